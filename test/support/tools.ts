import { execFileSync } from 'node:child_process'

/**
 * The path of a command-line tool, or undefined. When INTERVAI_REQUIRE_TOOLS=1 (CI sets it),
 * a missing tool throws instead, so a test that needs it fails rather than skips.
 * @param debianPackage the Debian package that installs it, named in the message
 */
export function findTool(name: string, debianPackage = 'prometheus'): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined
  } catch {
    if (process.env.INTERVAI_REQUIRE_TOOLS === '1') {
      throw new Error(`${name} is required (INTERVAI_REQUIRE_TOOLS=1) but not on PATH; install Debian's "${debianPackage}" package`)
    }
    console.warn(`skipping tests that need ${name}: not on PATH (install Debian's "${debianPackage}" package)`)
    return undefined
  }
}
