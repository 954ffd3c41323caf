import WebSocket from 'ws'

/**
 * A client of a Node.js process's inspector (the Chrome DevTools Protocol over WebSocket), used as a
 * side channel to measure a process without changing it: no debug route, no flag in its code.
 * @param {string} url the `ws://127.0.0.1:<port>/<id>` the process printed after `--inspect=127.0.0.1:0`
 * @returns {Promise<{ memoryAfterGc: () => Promise<{ rss: number, heapUsed: number }>, close: () => void }>}
 *   memoryAfterGc: runs a full garbage collection in the process, then reads its RSS and heap used (bytes)
 */
export async function connectInspector(url) {
  const socket = new WebSocket(url)
  await new Promise((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  let nextId = 1
  /** @type {Map<number, { resolve: (result: any) => void, reject: (error: Error) => void }>} */
  const pending = new Map()
  socket.on('message', (data) => {
    const message = JSON.parse(String(data))
    const waiting = message.id === undefined ? undefined : pending.get(message.id)
    if (waiting === undefined) return
    pending.delete(message.id)
    if (message.error) waiting.reject(new Error(`inspector: ${message.error.message}`))
    else waiting.resolve(message.result)
  })
  socket.on('close', () => {
    for (const waiting of pending.values()) waiting.reject(new Error('inspector: connection closed'))
    pending.clear()
  })
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve, reject })
      socket.send(JSON.stringify({ id, method, params }))
    })
  return {
    async memoryAfterGc() {
      await call('HeapProfiler.collectGarbage')
      const { result } = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })
      const usage = JSON.parse(result.value)
      return { rss: usage.rss, heapUsed: usage.heapUsed }
    },
    close: () => socket.close(),
  }
}
