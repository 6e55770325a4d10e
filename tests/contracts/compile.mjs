// Compiles TestToken.sol with the npm `solc` package (offline) into contracts.json, which is
// committed: tests deploy from that bytecode and never need a compiler.
//   node tests/contracts/compile.mjs
import solc from "solc";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const dir = import.meta.dirname;
const input = {
  language: "Solidity",
  sources: { "TestToken.sol": { content: readFileSync(path.join(dir, "TestToken.sol"), "utf8") } },
  settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "paris", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
for (const e of out.errors ?? []) if (e.severity === "error") throw new Error(e.formattedMessage);
const result = {};
for (const [name, c] of Object.entries(out.contracts["TestToken.sol"])) {
  result[name] = { abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
}
writeFileSync(path.join(dir, "contracts.json"), JSON.stringify({ compiler: solc.version(), contracts: result }, null, 1) + "\n");
console.log("compiled", Object.keys(result).join(", "), "with solc", solc.version());
