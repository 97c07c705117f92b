#!/usr/bin/env node
// Runs a real single-node Apache Kafka (KRaft, broker+controller in one JVM) for tests and local use.
// Usage: node deploy/kafka/kafka.mjs start|stop|status — see README.md beside this file.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { LOG4J2_PROPERTIES, jvmArgs, newClusterId, serverProperties } from './kafka-config.mjs';
import { KafkaScriptError, javaBinary, kafkaVersion, resolveClasspath } from './kafka-jars.mjs';
import { ProbeUnsupportedError, probeBroker } from './kafka-probe.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = join(root, '.kafka');
const stateFile = join(stateDir, 'state.json');
const classpathFile = join(stateDir, 'classpath.json');

const HOST = '127.0.0.1';
const DATA_DIR_PREFIX = 'tether-kafka-';
const START_TIMEOUT_MS = Number(process.env.TETHER_KAFKA_START_TIMEOUT_MS) || 90_000;
const STOP_GRACE_MS = 20_000;

const log = (message) => process.stderr.write(`kafka: ${message}\n`);

// ---------------------------------------------------------------------------------------------------------
// Files and processes

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeJson(file, value) {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, file);
}

/** Only ever deletes a directory this script created, whatever state.json says. */
function removeDataDir(dataDir) {
  if (typeof dataDir === 'string' && basename(dataDir).startsWith(DATA_DIR_PREFIX)) {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  // A zombie still answers kill(0) until someone reaps it; it no longer runs Kafka.
  const stat = readFileOrEmpty(`/proc/${pid}/stat`);
  return !/^\d+ \(.*\) Z/.test(stat);
}

function readFileOrEmpty(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** True when pid is alive and (where /proc exists) really is the broker started for this data dir. */
function isOurBroker(state) {
  if (!Number.isInteger(state?.pid) || state.pid <= 0 || !isAlive(state.pid)) return false;
  if (!existsSync('/proc/self/cmdline')) return true;
  const cmdline = readFileOrEmpty(`/proc/${state.pid}/cmdline`);
  return (
    cmdline.includes('kafka.Kafka') && typeof state.dataDir === 'string' && cmdline.includes(state.dataDir)
  );
}

async function waitForExit(pid, ms) {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** SIGTERM to the whole process group (a clean Kafka shutdown), SIGKILL if it takes too long. */
async function terminate(pid) {
  const signalGroup = (signal) => {
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  };
  signalGroup('SIGTERM');
  if (await waitForExit(pid, STOP_GRACE_MS)) return 'stopped';
  signalGroup('SIGKILL');
  await waitForExit(pid, 5_000);
  return 'killed';
}

function logTail(logFile, lines = 60) {
  const text = readFileOrEmpty(logFile).trimEnd().split('\n').slice(-lines).join('\n');
  return text ? `--- last lines of ${logFile} ---\n${text}\n---` : `(${logFile} is empty)`;
}

async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise((ok, fail) => server.once('error', fail).listen(0, HOST, ok));
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((ok) => server.close(ok))));
  }
}

/** True when the broker at state.bootstrap is the one we formatted and is unfenced (listed in Metadata). */
async function answers(state, timeoutMs) {
  const port = Number(state.bootstrap.split(':')[1]);
  try {
    const { clusterId, brokers } = await probeBroker(HOST, port, timeoutMs);
    return clusterId === state.clusterId && brokers.some((broker) => broker.port === port);
  } catch (error) {
    if (error instanceof ProbeUnsupportedError) throw new KafkaScriptError(error.message);
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Broker process

function formatStorage(dataDir, jars, clusterId) {
  // A short-lived tool: C1 only and the serial collector start fastest.
  const args = [...jvmArgs(dataDir, jars, '256m'), '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
  args.push('kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', join(dataDir, 'server.properties'));
  const format = spawnSync(javaBinary(), args, { encoding: 'utf8', timeout: 120_000 });
  if (format.status !== 0) {
    const why = format.error ? format.error.message : `exit ${format.status ?? format.signal}`;
    throw new KafkaScriptError(`formatting Kafka storage failed (${why}):\n${format.stdout}${format.stderr}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Commands

function announce(state) {
  process.stdout.write(`KAFKA_BROKERS=${state.bootstrap}\n`);
}

async function start() {
  mkdirSync(stateDir, { recursive: true });
  const existing = readJson(stateFile);
  if (existing && isOurBroker(existing)) {
    if (await answers(existing, 5_000)) {
      log(`reusing the running broker (pid ${existing.pid}) at ${existing.bootstrap}`);
      announce(existing);
      return;
    }
    log(`broker pid ${existing.pid} is running but not answering; replacing it`);
  }
  if (existing) await stop();

  const jars = resolveClasspath(classpathFile, log);
  for (let attempt = 1; ; attempt++) {
    const outcome = await launch(jars);
    if (outcome === 'ready') return;
    // Another process may take a port between our probe for free ports and Kafka binding it: try once more.
    if (outcome !== 'port-taken' || attempt === 2)
      throw new KafkaScriptError('Kafka did not start (see above)');
    log('a port was taken before Kafka could bind it; retrying on new ports');
  }
}

async function launch(jars) {
  const [port, controllerPort] = await freePorts(2);
  const dataDir = mkdtempSync(join(tmpdir(), DATA_DIR_PREFIX));
  const logFile = join(dataDir, 'kafka.log');
  const state = {
    pid: 0,
    bootstrap: `${HOST}:${port}`,
    dataDir,
    logFile,
    clusterId: newClusterId(),
    ready: false,
  };
  let child;
  let exit;
  const abort = async () => {
    if (child?.pid) await terminate(child.pid);
    removeDataDir(dataDir);
    rmSync(stateFile, { force: true });
  };
  const onSignal = () => abort().finally(() => process.exit(130));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

  try {
    writeFileSync(
      join(dataDir, 'server.properties'),
      serverProperties({ host: HOST, dataDir, port, controllerPort }),
    );
    writeFileSync(join(dataDir, 'log4j2.properties'), LOG4J2_PROPERTIES);
    const started = Date.now();
    log(`starting Apache Kafka ${kafkaVersion()} (KRaft) on ${state.bootstrap}, data in ${dataDir}`);
    formatStorage(dataDir, jars, state.clusterId);

    const out = openSync(logFile, 'a');
    const args = [...jvmArgs(dataDir, jars, '512m'), '-Xms128m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20'];
    args.push('-XX:+ExitOnOutOfMemoryError', 'kafka.Kafka', join(dataDir, 'server.properties'));
    // Its own process group, so a Ctrl-C in the terminal that ran `start` does not reach the broker later.
    child = spawn(javaBinary(), args, { detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.once('exit', (code, signal) => (exit = signal ?? `exit code ${code}`));
    child.once('error', (error) => (exit = error.message));
    state.pid = child.pid;
    // Written before the broker is ready so that `stop` can clean up after an interrupted start.
    writeJson(stateFile, state);

    const deadline = started + START_TIMEOUT_MS;
    while (exit === undefined && Date.now() < deadline) {
      if (await answers(state, 2_000)) {
        writeJson(stateFile, { ...state, ready: true });
        log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${child.pid}, log ${logFile})`);
        announce(state);
        child.unref();
        return 'ready';
      }
      await sleep(250);
    }
    const tail = logTail(logFile);
    const reason = exit
      ? `the broker exited (${exit})`
      : `the broker did not answer within ${START_TIMEOUT_MS / 1000} s`;
    log(`${reason}\n${tail}`);
    await abort();
    return /BindException|Address already in use/.test(tail) ? 'port-taken' : 'failed';
  } catch (error) {
    await abort();
    throw error;
  } finally {
    process.removeListener('SIGINT', onSignal).removeListener('SIGTERM', onSignal);
  }
}

async function stop() {
  const state = readJson(stateFile);
  if (!state) return;
  if (isOurBroker(state)) {
    const how = await terminate(state.pid);
    log(`${how} Kafka (pid ${state.pid}) at ${state.bootstrap}`);
  }
  removeDataDir(state.dataDir);
  rmSync(stateFile, { force: true });
}

async function status() {
  const state = readJson(stateFile);
  if (!state) {
    console.log('Kafka is not running (no .kafka/state.json)');
    return 1;
  }
  if (!isOurBroker(state)) {
    console.log(`Kafka is not running (stale state for pid ${state.pid}; \`stop\` cleans it up)`);
    return 1;
  }
  if (!(await answers(state, 3_000))) {
    console.log(
      `Kafka pid ${state.pid} is running but not answering at ${state.bootstrap} (log: ${state.logFile})`,
    );
    return 1;
  }
  console.log(`Kafka is running at ${state.bootstrap} (pid ${state.pid})`);
  console.log(`  data: ${state.dataDir}\n  log:  ${state.logFile}\n  KAFKA_BROKERS=${state.bootstrap}`);
  return 0;
}

const commands = { start, stop, status };
const command = commands[process.argv[2]];
if (!command) {
  console.error('usage: node deploy/kafka/kafka.mjs start|stop|status');
  process.exit(2);
}
try {
  process.exitCode = (await command()) ?? 0;
} catch (error) {
  if (!(error instanceof KafkaScriptError)) throw error;
  log(error.message);
  process.exitCode = 1;
}
