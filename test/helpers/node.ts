// Running `npx hardhat node` as a separate process (its own process group), as a developer would next to the tasks.
import { spawn, type ChildProcess } from "child_process";
import net from "net";
import path from "path";
import { terminalEnv } from "./cli";

const ROOT = path.join(__dirname, "..", "..");
/** What `npx hardhat node` prints once it serves JSON-RPC. */
export const NODE_READY = "Started HTTP and WebSocket JSON-RPC server";
/** How much of the node's output is kept (its tail), for the message of a failure. */
const KEPT_OUTPUT = 64 * 1024;

/** A TCP port nobody listens on now (the kernel's pick for port 0 on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface HardhatNode {
  url: string;
  port: number;
  chainId: number;
  /** The tail of what the node printed (stdout and stderr). */
  output(): string;
  /** Ends the node's whole process group (npx, hardhat); resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `npx hardhat node --hostname 127.0.0.1 --port <free port>` with the hardhat network's chain ID set to
 * `chainId` (the configuration variable HARDHAT_CHAIN_ID) and resolves once it serves JSON-RPC. Its output is read
 * continuously (a full pipe would block the node); the process group is killed if this process exits or is
 * interrupted first.
 */
export async function startHardhatNode({
  chainId,
  timeout = 180_000,
  env = {},
}: {
  chainId: number;
  timeout?: number;
  env?: Record<string, string>;
}): Promise<HardhatNode> {
  const port = await freePort();
  const child = spawn("npx", ["hardhat", "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    env: terminalEnv({ ...env, HARDHAT_VAR_HARDHAT_CHAIN_ID: String(chainId) }),
    detached: true, // its own process group: npx and the node it starts end together
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEPT_OUTPUT);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);

  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let running = true;
  void exited.then(() => (running = false));
  const killGroup = (signal: NodeJS.Signals) => {
    if (!running || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  // if this process ends first (an uncaught error, Ctrl-C), the node must not outlive it: a detached group gets no signal
  const onExit = () => killGroup("SIGKILL");
  const onSignal = (signal: NodeJS.Signals) => {
    killGroup("SIGKILL");
    unwatch();
    process.kill(process.pid, signal); // what the signal would have done without this listener
  };
  const unwatch = () => {
    process.removeListener("exit", onExit);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  };
  process.once("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const stop = async () => {
    unwatch();
    killGroup("SIGTERM");
    const killed = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!killed) {
      killGroup("SIGKILL");
      await exited;
    }
  };

  try {
    await waitForReady(child, () => output, timeout);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `http://127.0.0.1:${port}`, port, chainId, output: () => output, stop };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function waitForReady(child: ChildProcess, output: () => string, timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.stdout!.removeListener("data", check);
      child.removeListener("exit", onExit);
      if (error) reject(error);
      else resolve();
    };
    const check = () => {
      if (output().includes(NODE_READY)) done();
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(new Error(`npx hardhat node exited (${code ?? signal}) before serving JSON-RPC:\n${output()}`));
    const timer = setTimeout(
      () => done(new Error(`npx hardhat node did not serve JSON-RPC within ${timeout / 1000} s:\n${output()}`)),
      timeout,
    );
    child.stdout!.on("data", check);
    child.on("exit", onExit);
    check();
  });
}
