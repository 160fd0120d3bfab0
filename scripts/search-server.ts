/**
 * Real single-node Elasticsearch/OpenSearch servers for the live test suite, from Maven Central:
 *
 *   npm run -s search:start -- <flavor> <port>   starts one in the background, returns once it is yellow/green
 *   npm run -s search:stop -- <flavor>           ends it and removes its data
 *   npm run -s search:flavors                    the flavors this machine can run (one per line), and why not
 *
 * The server is the codelibs runner (search-servers/pom.xml, one Maven profile per flavor) on the
 * machine's JDK. Maven resolves the classpath once; the artifacts stay in the local Maven
 * repository, so later starts work offline.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Flavor {
  /** Maven profile and directory name. */
  name: string;
  mainClass: string;
  /** The version `GET /` must answer (prefix). */
  version: string;
  distribution: 'opensearch' | 'elasticsearch';
  minJava: number;
}

const FLAVORS: readonly Flavor[] = [
  {
    name: 'opensearch-1',
    mainClass: 'org.codelibs.opensearch.runner.OpenSearchRunner',
    version: '1.3.',
    distribution: 'opensearch',
    minJava: 11,
  },
  {
    name: 'opensearch-2',
    mainClass: 'org.codelibs.opensearch.runner.OpenSearchRunner',
    version: '2.19.',
    distribution: 'opensearch',
    minJava: 11,
  },
  {
    name: 'opensearch-3',
    mainClass: 'org.codelibs.opensearch.runner.OpenSearchRunner',
    version: '3.',
    distribution: 'opensearch',
    minJava: 21,
  },
  {
    name: 'elasticsearch-7',
    mainClass: 'org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner',
    version: '7.10.2',
    distribution: 'elasticsearch',
    minJava: 11,
  },
];

/** The runners pick http.port by probing upwards from the base port and stop at 9299. */
const PORT_RANGE = { min: 9200, max: 9299 };
const START_TIMEOUT_MS = Number(process.env.SEARCH_START_TIMEOUT_MS ?? 240_000);
// Below 1 GiB, OpenSearch 2.x's real-memory circuit breaker trips under the live suite's aggregations.
const HEAP = process.env.SEARCH_HEAP ?? '1g';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pomPath = join(repoRoot, 'search-servers', 'pom.xml');
const stateRoot = resolve(process.env.SEARCH_SERVERS_HOME ?? join(repoRoot, '.search-servers'));

class Refusal extends Error {}

interface Jdk {
  home: string;
  java: string;
  major: number;
}

/** Every JDK on the machine: JAVA_HOME, the `java` on PATH, and /usr/lib/jvm/*. */
function findJdks(): Jdk[] {
  const candidates = new Set<string>();
  if (process.env.JAVA_HOME) candidates.add(join(process.env.JAVA_HOME, 'bin', 'java'));
  if (existsSync('/usr/lib/jvm')) {
    for (const entry of readdirSync('/usr/lib/jvm')) candidates.add(join('/usr/lib/jvm', entry, 'bin', 'java'));
  }
  candidates.add('java');
  const jdks = new Map<string, Jdk>();
  for (const java of candidates) {
    if (java !== 'java' && !existsSync(java)) continue;
    const major = javaMajor(java);
    if (major === undefined) continue;
    const home = java === 'java' ? 'java on PATH' : dirname(dirname(java));
    jdks.set(`${major}:${home}`, { home, java, major });
  }
  return [...jdks.values()].sort((a, b) => a.major - b.major);
}

function javaMajor(java: string): number | undefined {
  // `java -version` writes to stderr.
  const run = spawnSync(java, ['-version'], { encoding: 'utf8' });
  return run.error ? undefined : parseJavaVersion(`${run.stderr}${run.stdout}`);
}

function parseJavaVersion(text: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

/** The oldest JDK that runs the flavor (the one the server is tested on upstream), or why none. */
function jdkFor(flavor: Flavor, jdks: Jdk[]): Jdk | string {
  const fit = jdks.find((j) => j.major >= flavor.minJava);
  if (fit) return fit;
  const have = jdks.length === 0 ? 'no JDK' : jdks.map((j) => `JDK ${j.major} (${j.home})`).join(', ');
  return `${flavor.name} needs JDK ${flavor.minJava} or newer; this machine has ${have} (looked at JAVA_HOME, java on PATH and /usr/lib/jvm)`;
}

function flavorNamed(name: string | undefined): Flavor {
  const flavor = FLAVORS.find((f) => f.name === name);
  if (!flavor)
    throw new Refusal(`unknown flavor ${JSON.stringify(name)}; one of: ${FLAVORS.map((f) => f.name).join(', ')}`);
  return flavor;
}

/** The runner's classpath, resolved by Maven once (offline when the artifacts are cached). */
function classpath(flavor: Flavor, jdk: Jdk): string {
  const dir = join(stateRoot, 'classpath');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${flavor.name}.txt`);
  if (existsSync(file)) {
    const cached = readFileSync(file, 'utf8').trim();
    if (cached.split(':').every((jar) => existsSync(jar))) return cached;
  }
  const env = { ...process.env, ...(jdk.home.startsWith('/') ? { JAVA_HOME: jdk.home } : {}) };
  const args = [
    '-q',
    '-B',
    '-f',
    pomPath,
    '-P',
    flavor.name,
    'dependency:build-classpath',
    `-Dmdep.outputFile=${file}`,
  ];
  try {
    execFileSync('mvn', ['-o', ...args], { env, stdio: 'ignore' });
  } catch {
    process.stderr.write(`${flavor.name}: resolving the runner from Maven Central (first start only)…\n`);
    try {
      execFileSync('mvn', args, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    } catch (error) {
      const out = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
      throw new Refusal(`${flavor.name}: Maven could not resolve the runner:\n${tail(out, 30)}`);
    }
  }
  return readFileSync(file, 'utf8').trim();
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

interface RunState {
  pid: number;
  port: number;
  flavor: string;
}

const flavorDir = (flavor: Flavor) => join(stateRoot, flavor.name);
const statePath = (flavor: Flavor) => join(flavorDir(flavor), 'server.json');

function readState(flavor: Flavor): RunState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(flavor), 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The server's own words about a failed start: the runner's output and the node's log. */
function serverError(flavor: Flavor): string {
  const dir = flavorDir(flavor);
  const parts: string[] = [];
  const out = join(dir, 'runner.log');
  if (existsSync(out)) parts.push(`--- runner output (${out}) ---\n${tail(readFileSync(out, 'utf8'), 40)}`);
  const logs = join(dir, 'base', 'node_1', 'logs');
  if (existsSync(logs)) {
    for (const name of readdirSync(logs).filter((n) => n.endsWith('.log') && !n.includes('deprecation'))) {
      const text = readFileSync(join(logs, name), 'utf8');
      const problems = text
        .split('\n')
        .filter((l) => /\b(ERROR|FATAL|WARN)\b|Exception|Caused by/.test(l))
        .slice(-25);
      if (problems.length > 0) parts.push(`--- ${name} ---\n${problems.join('\n')}`);
    }
  }
  return parts.join('\n') || '(the server wrote nothing)';
}

interface Health {
  status?: string;
}

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) return undefined;
    return (await response.json()) as T;
  } catch {
    return undefined;
  }
}

async function waitUntilReady(flavor: Flavor, port: number, child: ChildProcess): Promise<void> {
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  const base = `http://127.0.0.1:${port}`;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new Refusal(`${flavor.name} exited (code ${exited}) before it answered:\n${serverError(flavor)}`);
    }
    const health = await getJson<Health>(`${base}/_cluster/health?wait_for_status=yellow&timeout=2s`);
    if (health?.status === 'green' || health?.status === 'yellow') {
      const root = await getJson<{ version?: { number?: string; distribution?: string } }>(`${base}/`);
      const version = root?.version?.number ?? '';
      const distribution = root?.version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
      if (!version.startsWith(flavor.version) || distribution !== flavor.distribution) {
        throw new Refusal(`port ${port} answers ${distribution} ${version}, not ${flavor.name}`);
      }
      process.stdout.write(`${flavor.name} ${version} is ${health.status} at ${base} (pid ${child.pid})\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Refusal(
    `${flavor.name} did not become yellow within ${START_TIMEOUT_MS / 1000} s:\n${serverError(flavor)}`,
  );
}

async function start(name: string | undefined, portText: string | undefined): Promise<void> {
  const flavor = flavorNamed(name);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < PORT_RANGE.min || port > PORT_RANGE.max) {
    throw new Refusal(`port must be a whole number from ${PORT_RANGE.min} to ${PORT_RANGE.max} (the runner's range)`);
  }
  const jdk = jdkFor(flavor, findJdks());
  if (typeof jdk === 'string') throw new Refusal(jdk);
  const running = readState(flavor);
  if (running && alive(running.pid)) {
    throw new Refusal(`${flavor.name} is already running (pid ${running.pid}, port ${running.port}); stop it first`);
  }
  if (await portInUse(port)) throw new Refusal(`port ${port} is already in use`);
  const cp = classpath(flavor, jdk);

  const dir = flavorDir(flavor);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const out = openSync(join(dir, 'runner.log'), 'w');
  const child = spawn(
    jdk.java,
    [
      `-Xms${HEAP}`,
      `-Xmx${HEAP}`,
      '-Djava.awt.headless=true',
      '-cp',
      cp,
      flavor.mainClass,
      '-basePath',
      join(dir, 'base'),
      '-numOfNode',
      '1',
      // Node N listens on the base port + N.
      '-baseHttpPort',
      String(port - 1),
      '-clusterName',
      // One cluster per start: two nodes of one name on this machine would find each other and join.
      `lagwatch-${flavor.name}-${port}`,
      '-printOnFailure',
    ],
    { detached: true, stdio: ['ignore', out, out], cwd: dir },
  );
  closeSync(out);
  if (child.pid === undefined) throw new Refusal(`${flavor.name}: could not start ${jdk.java}`);
  writeFileSync(statePath(flavor), JSON.stringify({ pid: child.pid, port, flavor: flavor.name } satisfies RunState));
  try {
    await waitUntilReady(flavor, port, child);
  } catch (error) {
    await stopProcess(child.pid);
    throw error;
  }
  child.unref();
}

async function stopProcess(pid: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 20_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (alive(pid)) signal('SIGKILL');
}

async function stop(name: string | undefined): Promise<void> {
  const flavor = flavorNamed(name);
  const state = readState(flavor);
  if (state && alive(state.pid)) {
    await stopProcess(state.pid);
    process.stdout.write(`${flavor.name} stopped (pid ${state.pid})\n`);
  } else {
    process.stdout.write(`${flavor.name} was not running\n`);
  }
  rmSync(flavorDir(flavor), { recursive: true, force: true });
}

function flavors(): void {
  const jdks = findJdks();
  for (const flavor of FLAVORS) {
    const jdk = jdkFor(flavor, jdks);
    if (typeof jdk === 'string') process.stderr.write(`skipped: ${jdk}\n`);
    else process.stdout.write(`${flavor.name}\n`);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === 'start') return start(args[0], args[1]);
  if (command === 'stop') return stop(args[0]);
  if (command === 'flavors') return flavors();
  throw new Refusal('usage: search-server start <flavor> <port> | stop <flavor> | flavors');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`search-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof Refusal ? 1 : 2;
});
