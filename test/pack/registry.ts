import { run } from './run.js'

/**
 * Why npm cannot fetch packages from the registry (from its cache or the network), or undefined
 * when it can. When INTERVAI_REQUIRE_TOOLS=1 (CI sets it) that throws instead, so the tests that
 * install from the registry fail rather than skip.
 */
export async function registryProblem(cwd: string, probe: string): Promise<string | undefined> {
  try {
    await run('npm', ['view', probe, 'version', '--prefer-offline', '--loglevel=error'], { cwd, timeoutMs: 60_000 })
    return undefined
  } catch (error) {
    const reason = `npm cannot fetch ${probe} from the registry: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}`
    if (process.env.INTERVAI_REQUIRE_TOOLS === '1') throw new Error(`${reason} (INTERVAI_REQUIRE_TOOLS=1)`)
    console.warn(`skipping the pack-and-consume tests: ${reason}`)
    return reason
  }
}
