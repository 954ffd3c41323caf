import { fork } from 'node:child_process'

/**
 * A throw-away PostgreSQL for a bench: DATABASE_URL when it is set, else an embedded one in a
 * process of its own (test/support/postgres-process.mjs, the tests' own, which says why it must
 * not be imported), stopped and its folder removed by `destroy()`.
 * @returns {Promise<{ url: string, embedded: boolean, destroy: () => Promise<void> }>}
 */
export async function startPostgres() {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, embedded: false, destroy: async () => {} }
  const child = fork(new URL('../../test/support/postgres-process.mjs', import.meta.url), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const url = await new Promise((resolve, reject) => {
    child.once('message', (message) => (message.type === 'ready' ? resolve(message.url) : reject(new Error(`embedded PostgreSQL: ${message.message}`))))
    exited.then((code) => reject(new Error(`embedded PostgreSQL process exited with ${code}`)))
  })
  return {
    url,
    embedded: true,
    destroy: async () => {
      if (child.exitCode === null && child.signalCode === null) child.send('destroy')
      await exited
    },
  }
}
