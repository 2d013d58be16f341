// docs/walkthrough.md, run as written: a fresh `npx hardhat node` (chain 31340, its own port), then every command of
// the page's ```sh blocks that starts with `npx hardhat` (but `npx hardhat node`, and lines marked
// `# not run by the test`), in the page's order, each a subprocess with `--network localhost` pointed at the node.
// Environment assignments written before a command (`ALT_BLS_KEY=0x… npx hardhat …`) go into its environment. Each
// command must exit with 0, and every non-empty line of the ```text block after it must match a line it printed
// (stdout or stderr, both trimmed), `…` matching any text. One test per `##` section of the page: a failure names the
// section, the page's line and the command. A failed section skips the ones after it.
//
// UPDATE_WALKTHROUGH=true rewrites the page's expected lines whose only difference from a printed line is hex values
// (contract addresses, hashes and roots move with the deployment): review the diff of docs/walkthrough.md after it.
import { expect } from "chai";
import { existsSync, readFileSync, rmSync, writeFileSync } from "fs";
import path from "path";
import { coverageRunning } from "../helpers/coverage";
import { hardhatCli, terminalEnv } from "../helpers/cli";
import { startHardhatNode, type HardhatNode } from "../helpers/node";

const ROOT = path.join(__dirname, "..", "..");
const PAGE = path.join(ROOT, "docs", "walkthrough.md");
/** The node's chain ID: not 31337 (a developer's own node records its deployment there), nor the other e2e tests'. */
const CHAIN_ID = 31340;
const DEPLOYMENTS = path.join(ROOT, "deploy", "deployments", `chain-${CHAIN_ID}`);
/** What marks a command of the page the test does not run. */
const NOT_RUN = "# not run by the test";
/** The sections the page walks through, in order (what each test is named after). */
const SECTIONS = [
  "Deploy",
  "Operator: stake and a BLS key",
  "Rollup team: launch a rollup",
  "Operator: secure the rollup",
  "Rollup team: batches, outputs, finality",
  "Voter: a governance proposal",
  "Rewards: the rollup's fees",
];

/** One command of the page that the test runs. */
export interface PageCommand {
  /** The page's line number (1-based). */
  line: number;
  /** The command as written. */
  text: string;
  /** Assignments written before `npx hardhat`. */
  env: Record<string, string>;
  /** What follows `npx hardhat`. */
  args: string[];
  /** The non-empty lines of the ```text blocks after it, trimmed. */
  expected: string[];
}

export interface PageSection {
  title: string;
  commands: PageCommand[];
}

/**
 * Splits a command line into words as a POSIX shell would for the commands a page shows: blanks separate words,
 * single quotes keep everything, double quotes keep everything but `\"` and `\\`, a backslash outside quotes escapes
 * the next character, an unquoted `#` starting a word begins a comment. Anything a shell would expand or redirect
 * (`$`, backquotes, `|`, `;`, `&`, `<`, `>`, `(`, `)`, `*`, `?`, `~` unquoted) is refused: the test could not run it as
 * the shell would.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const add = (text: string) => (word = (word ?? "") + text);
  while (i < line.length) {
    const c = line[i];
    if (c === " " || c === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else if (c === "#" && word === undefined) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${line}`);
      add(line.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let text = "";
      while (j < line.length && line[j] !== '"') {
        if (line[j] === "\\" && (line[j + 1] === '"' || line[j + 1] === "\\")) j++;
        else if (line[j] === "$" || line[j] === "`") throw new Error(`the test does not expand ${line[j]} in: ${line}`);
        text += line[j++];
      }
      if (j >= line.length) throw new Error(`unterminated " in: ${line}`);
      add(text);
      i = j + 1;
    } else if (c === "\\") {
      if (i + 1 >= line.length) throw new Error(`a line continuation is not one command a line: ${line}`);
      add(line[i + 1]);
      i += 2;
    } else if ("$`|;&<>()*?~".includes(c)) {
      throw new Error(`the test does not run shell syntax (${c}) in: ${line}`);
    } else {
      add(c);
      i++;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether a printed line matches an expected one: equal once both are trimmed, `…` standing for any text. */
export function lineMatches(expected: string, printed: string): boolean {
  const pattern = expected.trim().split("…").map(escape).join(".*");
  return new RegExp(`^${pattern}$`, "s").test(printed.trim());
}

/**
 * `expected` with the values of the first printed line it matches once its own hex values stand for any hex value and
 * its numbers of 20 digits or more (proposal IDs) for any such number (and `…` for any text); undefined if none does.
 */
export function relocated(expected: string, printed: string[]): string | undefined {
  const variable = /0x[0-9a-fA-F]+|\b\d{20,}\b/g;
  const text = expected.trim();
  const pattern = text
    .split(variable)
    .map((part) => part.split("…").map(escape).join(".*"))
    .join("(0x[0-9a-fA-F]+|\\d{20,})");
  for (const line of printed) {
    const match = new RegExp(`^${pattern}$`, "s").exec(line.trim());
    if (match === null) continue;
    let i = 1;
    return text.replace(variable, () => match[i++]);
  }
  return undefined;
}

/**
 * The page's `##` sections and, in each, the commands the test runs with what they must print. A ```text block
 * belongs to the command on the last line of the ```sh block before it (nothing is checked after a command the test
 * does not run).
 */
export function parsePage(markdown: string): PageSection[] {
  const sections: PageSection[] = [];
  let fence: string | undefined;
  let last: PageCommand | undefined;
  for (const [index, raw] of markdown.split("\n").entries()) {
    const line = raw.replace(/\r$/, "");
    const opening = /^```(\S*)\s*$/.exec(line);
    if (fence === undefined) {
      if (opening) fence = opening[1];
      else if (line.startsWith("## ")) {
        sections.push({ title: line.slice(3).trim(), commands: [] });
        last = undefined;
      }
      continue;
    }
    if (/^```\s*$/.test(line)) {
      fence = undefined;
      continue;
    }
    if (fence === "sh") {
      last = undefined;
      if (line.trim() === "" || line.includes(NOT_RUN)) continue;
      const words = shellWords(line);
      const env: Record<string, string> = {};
      while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
        const word = words.shift()!;
        env[word.slice(0, word.indexOf("="))] = word.slice(word.indexOf("=") + 1);
      }
      if (words[0] !== "npx" || words[1] !== "hardhat" || words[2] === "node") continue;
      if (sections.length === 0) throw new Error(`line ${index + 1}: a command before the first ## section`);
      last = { line: index + 1, text: line.trim(), env, args: words.slice(2), expected: [] };
      sections[sections.length - 1].commands.push(last);
    } else if (fence === "text" && last !== undefined && line.trim() !== "") {
      last.expected.push(line.trim());
    }
  }
  if (fence !== undefined) throw new Error("docs/walkthrough.md ends inside a ``` block");
  return sections;
}

const PAGE_SECTIONS = parsePage(readFileSync(PAGE, "utf8"));

describe("docs/walkthrough.md, as written", function () {
  describe("the page", function () {
    it("walks through its sections in order, each with commands on the local node", function () {
      const titled = PAGE_SECTIONS.filter((s) => s.commands.length > 0).map((s) => s.title);
      expect(titled).to.deep.equal(SECTIONS);
      for (const command of PAGE_SECTIONS.flatMap((s) => s.commands)) {
        const network = command.args.indexOf("--network");
        expect(command.args[network + 1], `line ${command.line}: ${command.text}`).to.equal("localhost");
      }
      // the page checks what the steps print, not only that they run
      const checked = PAGE_SECTIONS.flatMap((s) => s.commands).filter((c) => c.expected.length > 0);
      expect(checked.length).to.be.greaterThan(20);
    });

    it("reads commands as a shell does, and `…` as any text", function () {
      expect(
        shellWords(`A=0x1 npx hardhat gov vote --reason "keep \\"time\\"" --x 'a b' c\\ d # comment`),
      ).to.deep.equal(["A=0x1", "npx", "hardhat", "gov", "vote", "--reason", 'keep "time"', "--x", "a b", "c d"]);
      expect(() => shellWords("npx hardhat x --to $HOME")).to.throw("does not run shell syntax ($)");
      expect(() => shellWords('npx hardhat x --reason "a')).to.throw('unterminated "');
      expect(
        lineMatches("claimed … ALT for 0xab: tx …", "  claimed 1,000 ALT for 0xab: tx 0x12 (gas 1, block 2)"),
      ).to.equal(true);
      expect(lineMatches("claimed … ALT for 0xab: tx …", "claimed 1,000 ALT for 0xcd: tx 0x12")).to.equal(false);
      expect(lineMatches("all 181 values (a.b)", "all 181 values (aXb)")).to.equal(false);
      expect(relocated("  token 0xab at …, root 0x01", ["x", "token 0xCD at block 7, root 0x0203"])).to.equal(
        "token 0xCD at …, root 0x0203",
      );
      expect(relocated("token 0xab at 5", ["token 0xcd at 6"])).to.equal(undefined);
      const [id, other] = ["1".repeat(20), "2".repeat(21)];
      expect(relocated(`proposed ${id}: tx …`, [`proposed ${other}: tx 0x1`])).to.equal(`proposed ${other}: tx …`);
      const [section] = parsePage(
        [
          "## One",
          "```sh",
          "npm ci",
          "npx hardhat node",
          "```",
          "```text",
          "not checked",
          "```",
          "```sh",
          "K=v npx hardhat a:b --network localhost",
          "npx hardhat c:d --network localhost   # not run by the test",
          "npx hardhat e:f --network localhost",
          "```",
          "```text",
          "  out …",
          "",
          "```",
        ].join("\n"),
      );
      expect(section).to.deep.equal({
        title: "One",
        commands: [
          {
            line: 10,
            text: "K=v npx hardhat a:b --network localhost",
            env: { K: "v" },
            args: ["a:b", "--network", "localhost"],
            expected: [],
          },
          {
            line: 12,
            text: "npx hardhat e:f --network localhost",
            env: {},
            args: ["e:f", "--network", "localhost"],
            expected: ["out …"],
          },
        ],
      });
    });
  });

  describe("run on a fresh npx hardhat node", function () {
    this.timeout(15 * 60_000);

    let node: HardhatNode | undefined;
    let broken: string | undefined;
    let startedAt = 0;
    let subprocesses = 0;
    const timings: [string, number][] = [];
    /** Files the page's commands write (`--out`), removed afterwards. */
    const written = new Set<string>();
    /** UPDATE_WALKTHROUGH: the page's lines to rewrite (0-based line number → new text). */
    const update = process.env.UPDATE_WALKTHROUGH === "true";
    const pageLines = readFileSync(PAGE, "utf8").split("\n");
    let rewritten = 0;

    before(async function () {
      if (coverageRunning()) this.skip(); // subprocesses recompile over the instrumented artifacts
      startedAt = Date.now();
      rmSync(DEPLOYMENTS, { recursive: true, force: true });
      node = await startHardhatNode({ chainId: CHAIN_ID });
    });

    beforeEach(function () {
      if (broken !== undefined) this.skip(); // the walkthrough stopped at a failed section
    });

    afterEach(function () {
      if (this.currentTest?.state === "failed") broken = this.currentTest.title;
    });

    after(async function () {
      try {
        await node?.stop();
      } finally {
        rmSync(DEPLOYMENTS, { recursive: true, force: true });
        for (const file of written) rmSync(path.join(ROOT, file), { force: true });
        if (rewritten > 0) {
          writeFileSync(PAGE, pageLines.join("\n"));
          console.log(`      UPDATE_WALKTHROUGH: rewrote ${rewritten} line(s) of docs/walkthrough.md`);
        }
      }
      if (startedAt === 0) return;
      const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      console.log(
        [
          `      walkthrough: ${seconds(Date.now() - startedAt)} in all, ${subprocesses} hardhat subprocesses` +
            (broken === undefined ? "" : ` (stopped at: ${broken})`),
          ...timings.map(([title, ms]) => `        ${seconds(ms).padStart(8)}  ${title}`),
        ].join("\n"),
      );
    });

    for (const section of PAGE_SECTIONS.filter((s) => s.commands.length > 0)) {
      it(section.title, async function () {
        const start = Date.now();
        for (const command of section.commands) {
          const where = `docs/walkthrough.md:${command.line} (${section.title}): ${command.text}`;
          const out = command.args.indexOf("--out");
          if (out >= 0) written.add(command.args[out + 1]);
          // a terminal's environment, no key of the developer's own, the node's URL for --network localhost
          const env = terminalEnv({ HARDHAT_VAR_LOCALHOST_RPC_URL: node!.url, ALT_BLS_KEY: "", ...command.env });
          delete env.ALT_PARAMETERS;
          const run = await hardhatCli(command.args, { env, timeout: 600_000 });
          subprocesses++;
          expect(run.code, `${where}\nexited with ${run.code}:\n${run.output}`).to.equal(0);
          const printed = run.output.split("\n");
          for (const expected of command.expected) {
            let found = printed.some((line) => lineMatches(expected, line));
            const replacement = update && !found ? relocated(expected, printed) : undefined;
            if (replacement !== undefined) {
              // the page's line of `expected`: the first after the command's that holds it
              const at = pageLines.findIndex((line, i) => i >= command.line && line.trim() === expected);
              pageLines[at] = pageLines[at].replace(expected, replacement);
              rewritten++;
              found = true;
            }
            expect(found, `${where}\nprinted no line matching\n  ${expected}\nit printed:\n${run.output}`).to.equal(
              true,
            );
          }
        }
        timings.push([section.title, Date.now() - start]);
      });
    }
  });
});
