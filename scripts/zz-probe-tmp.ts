import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
async function main() {
  const code = "0x4260005260206000f3"; // TIMESTAMP PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
  // deploy contract with runtime code returning timestamp
  const init = "0x69" + code.slice(2).padEnd(20, "0") ;
  const [s] = await hre.ethers.getSigners();
  // init code: copy runtime
  const runtime = "4260005260206000f3";
  const initcode = "0x" + "69" + runtime + "00".repeat(10 - runtime.length/2) + "600052600a6016f3";
  const tx = await s.sendTransaction({ data: initcode });
  const r = await tx.wait();
  const addr = r!.contractAddress!;
  for (let i = 0; i < 3; i++) {
    const latest = await time.latest();
    const res = await hre.ethers.provider.call({ to: addr });
    console.log("latest", latest, "call ts", BigInt(res));
    await new Promise((r) => setTimeout(r, 1500));
  }
  await time.increase(100);
  console.log("after increase latest", await time.latest(), "call", BigInt(await hre.ethers.provider.call({ to: addr })));
  await time.setNextBlockTimestamp((await time.latest()) + 50);
  console.log("after setNext latest", await time.latest(), "call", BigInt(await hre.ethers.provider.call({ to: addr })));
}
main();
