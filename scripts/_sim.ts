import hre from "hardhat";
async function main() {
  for (const f of ["withdrawal-delay", "register-slasher", "upgrade-registry"]) {
    await hre.run("gov:simulate", { file: `deploy/proposals/${f}.json`, json: false });
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
