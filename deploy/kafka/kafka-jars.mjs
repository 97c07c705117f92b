// The tools and jars kafka.mjs needs: a Java 17+ runtime, and the Kafka broker's classpath, resolved from
// Maven Central by Maven once per pom.xml content and cached in .kafka/classpath.json (jars stay in ~/.m2).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pomFile = join(dirname(fileURLToPath(import.meta.url)), 'pom.xml');
const MIN_JAVA = 17;
const INSTALL_HINT = 'Install them (Debian/Ubuntu, as root): apt-get install openjdk-17-jre-headless maven';

/** An error whose message is the whole story: printed without a stack trace. */
export class KafkaScriptError extends Error {}

export function javaBinary() {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

export function kafkaVersion() {
  return /<kafka\.version>([^<]+)</.exec(readFileSync(pomFile, 'utf8'))?.[1] ?? 'unknown';
}

/** Fails with one message naming every missing tool, so a fresh machine learns everything at once. */
function requireTools(needMaven) {
  const missing = [];
  const java = spawnSync(javaBinary(), ['-version'], { encoding: 'utf8' });
  if (java.error) {
    const where = process.env.JAVA_HOME ? `${javaBinary()} (from JAVA_HOME)` : '`java` on PATH';
    missing.push(`${where} not found: a Java ${MIN_JAVA}+ runtime runs the Kafka broker`);
  }
  if (needMaven && spawnSync('mvn', ['-v'], { encoding: 'utf8' }).error) {
    missing.push('`mvn` on PATH not found: Maven fetches the Kafka jars from Maven Central on the first run');
  }
  if (missing.length > 0) {
    throw new KafkaScriptError(
      `cannot run Kafka:${missing.map((m) => `\n  - ${m}`).join('')}\n${INSTALL_HINT}`,
    );
  }
  const major = Number(/version "(?:1\.)?(\d+)/.exec(java.stderr)?.[1]);
  if (major < MIN_JAVA) {
    throw new KafkaScriptError(
      `Kafka 4 needs Java ${MIN_JAVA} or newer, found Java ${major}.\n${INSTALL_HINT}`,
    );
  }
}

function readCache(cacheFile) {
  try {
    return JSON.parse(readFileSync(cacheFile, 'utf8'));
  } catch {
    return undefined;
  }
}

// Maven 3.8 prints colour resets even with style.color=never.
function withoutColors(text) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/**
 * Checks the tools and returns the broker's jars. Maven runs only when pom.xml changed since the cached
 * resolution or a cached jar is gone from ~/.m2; otherwise only Java is needed.
 */
export function resolveClasspath(cacheFile, log) {
  const pomSha256 = createHash('sha256').update(readFileSync(pomFile)).digest('hex');
  const cached = readCache(cacheFile);
  if (
    cached?.pomSha256 === pomSha256 &&
    cached.jars?.length > 0 &&
    cached.jars.every((jar) => existsSync(jar))
  ) {
    requireTools(false);
    return cached.jars;
  }
  requireTools(true);
  log(`resolving Apache Kafka ${kafkaVersion()} with Maven (the first run downloads ~65 MB into ~/.m2)`);
  mkdirSync(dirname(cacheFile), { recursive: true });
  const outputFile = `${cacheFile}.${process.pid}.txt`;
  const args = ['-B', '-ntp', '-Dstyle.color=never', '-f', pomFile, 'dependency:build-classpath'];
  args.push(`-Dmdep.outputFile=${outputFile}`, '-Dmdep.includeScope=runtime');
  const maven = spawnSync('mvn', args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 15 * 60_000,
  });
  if (maven.status !== 0 || !existsSync(outputFile)) {
    rmSync(outputFile, { force: true });
    const why = maven.error ? maven.error.message : `exit ${maven.status ?? maven.signal}`;
    const output = withoutColors(`${maven.stdout ?? ''}${maven.stderr ?? ''}`);
    throw new KafkaScriptError(`Maven could not resolve the Kafka jars (${why}). Maven said:\n${output}`);
  }
  const jars = readFileSync(outputFile, 'utf8').trim().split(delimiter).filter(Boolean);
  rmSync(outputFile, { force: true });
  writeFileSync(cacheFile, `${JSON.stringify({ pomSha256, kafkaVersion: kafkaVersion(), jars }, null, 2)}\n`);
  return jars;
}
