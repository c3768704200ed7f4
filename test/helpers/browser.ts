import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/**
 * The browser the report tests drive: a system Chromium when one is installed, else the
 * one the `@sparticuz/chromium` dev dependency ships (unpacked into the temp dir on first
 * use), so `npm test` needs nothing beyond npm. HBFT_CHROMIUM=packaged forces the packaged
 * one (to test a machine without a system browser), HBFT_CHROMIUM=/path/to/chrome a given one.
 */
const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Without the background-networking flags Chromium keeps dialling out on a closed
 * network; the page itself must need no network at all. */
const COMMON_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Flags of the package's list that do not belong in a test: --single-process (for
 * Lambda) ends the browser with its first closed page, and the two web-security flags
 * would let the page do what its Content-Security-Policy must forbid.
 */
const NOT_FOR_TESTS = ['--single-process', '--no-zygote', '--disable-web-security', '--allow-running-insecure-content'];

export interface FoundBrowser {
  source: 'system' | 'packaged' | 'HBFT_CHROMIUM';
  executablePath: string;
  args: string[];
  /** extra environment for the browser process */
  env: Record<string, string>;
}

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<FoundBrowser> {
  const wanted = env.HBFT_CHROMIUM;
  if (wanted !== undefined && wanted !== '' && wanted !== 'packaged') {
    if (!existsSync(wanted)) throw new Error(`HBFT_CHROMIUM=${wanted}: no such file`);
    return { source: 'HBFT_CHROMIUM', executablePath: wanted, args: COMMON_ARGS, env: {} };
  }
  const system = wanted === 'packaged' ? undefined : SYSTEM_CHROMIUM.find((p) => existsSync(p));
  if (system !== undefined) return { source: 'system', executablePath: system, args: COMMON_ARGS, env: {} };
  const { default: packaged } = await import('@sparticuz/chromium');
  // no WebGL: the report is SVG, and SwiftShader would only add start-up time
  packaged.setGraphicsMode = false;
  const executablePath = await packaged.executablePath();
  // Its fonts unpack beside the binary, with a fonts.conf that fontconfig finds through
  // FONTCONFIG_PATH: a machine without fonts of its own still draws the charts' text.
  return {
    source: 'packaged',
    executablePath,
    args: [...new Set([...packaged.args.filter((a) => !NOT_FOR_TESTS.includes(a)), ...COMMON_ARGS])],
    env: { FONTCONFIG_PATH: join(dirname(executablePath), 'fonts') },
  };
}

export async function launchChromium(found: FoundBrowser): Promise<Browser> {
  const env = { ...process.env, ...found.env } as Record<string, string>;
  return chromium.launch({ executablePath: found.executablePath, args: found.args, env, headless: true });
}
