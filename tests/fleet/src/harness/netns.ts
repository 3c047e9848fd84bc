import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

/**
 * Several "hosts" on one machine: a coordinator namespace holding a bridge (the switch) and one namespace per worker,
 * each joined to the bridge by a veth pair. Addresses come from a private /24 that exists only inside these
 * namespaces, so no test traffic can leave them. Cutting a worker takes its switch port down (a pulled cable: the
 * worker's own interface keeps its address and route, its packets just go nowhere).
 */
export const SUBNET = '10.213.7';
const NAME_PREFIX = 'pbfleet';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface Topology {
  coordinatorNs: string;
  coordinatorIp: string;
  workerNs: string[];
  workerIps: string[];
  /** Takes worker `index`'s switch port down. */
  cut(index: number): void;
  restore(index: number): void;
}

/** Creates and always removes the namespaces of one suite run (names carry the harness pid). */
export class NetnsSupport {
  readonly available: boolean;
  readonly reason: string;
  private readonly created = new Set<string>();
  private serial = 0;
  private readonly runTag = `${NAME_PREFIX}${process.pid}`;

  constructor() {
    removeStaleNamespaces();
    const probe = `${this.runTag}-probe`;
    let reason = '';
    try {
      ip('netns', 'add', probe);
      this.created.add(probe);
      ip('-n', probe, 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', probe, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
    } catch (error) {
      reason = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    } finally {
      this.remove(probe);
    }
    this.available = reason === '';
    this.reason = reason;
  }

  /** A coordinator namespace with a bridge at .1 and `workers` worker namespaces at .11, .12, ... */
  create(workers: number): Topology {
    if (!this.available) throw new Error(`network namespaces unavailable: ${this.reason}`);
    const tag = `${this.runTag}-${++this.serial}`;
    const coordinatorNs = `${tag}-c`;
    const add = (name: string): void => {
      ip('netns', 'add', name);
      this.created.add(name);
      ip('-n', name, 'link', 'set', 'lo', 'up');
    };
    add(coordinatorNs);
    ip('-n', coordinatorNs, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', coordinatorNs, 'addr', 'add', `${SUBNET}.1/24`, 'dev', 'br0');
    ip('-n', coordinatorNs, 'link', 'set', 'br0', 'up');
    const workerNs: string[] = [];
    const workerIps: string[] = [];
    for (let i = 0; i < workers; i++) {
      const ns = `${tag}-w${i}`;
      const address = `${SUBNET}.${11 + i}`;
      add(ns);
      ip('-n', coordinatorNs, 'link', 'add', `port${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('-n', coordinatorNs, 'link', 'set', `port${i}`, 'master', 'br0');
      ip('-n', coordinatorNs, 'link', 'set', `port${i}`, 'up');
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      workerNs.push(ns);
      workerIps.push(address);
    }
    return {
      coordinatorNs,
      coordinatorIp: `${SUBNET}.1`,
      workerNs,
      workerIps,
      cut: (index) => void ip('-n', coordinatorNs, 'link', 'set', `port${index}`, 'down'),
      restore: (index) => void ip('-n', coordinatorNs, 'link', 'set', `port${index}`, 'up'),
    };
  }

  private remove(name: string): void {
    try {
      ip('netns', 'del', name);
    } catch {
      // Already gone.
    }
    this.created.delete(name);
  }

  /** Removes every namespace this run created (their veth pairs and bridge go with them). Safe to call twice. */
  cleanup(): void {
    for (const name of [...this.created]) this.remove(name);
  }
}

/** Namespaces left by an earlier run that was killed before it could clean up (its pid no longer exists). */
function removeStaleNamespaces(): void {
  let names: string[];
  try {
    names = readdirSync('/var/run/netns');
  } catch {
    return;
  }
  for (const name of names) {
    const match = name.match(new RegExp(`^${NAME_PREFIX}(\\d+)-`));
    if (!match || processAlive(Number(match[1]))) continue;
    try {
      ip('netns', 'del', name);
    } catch {
      // Someone else removed it.
    }
  }
}
