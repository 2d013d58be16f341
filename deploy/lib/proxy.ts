// A UUPS implementation behind an ERC-1967 proxy initialised in its constructor call: how every upgradeable protocol
// contract is deployed.
import type { IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

/** Deploys `name`'s implementation and a proxy running `initialize(initArgs)`; returns the proxy as `name`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function deployProxied(m: IgnitionModuleBuilder, name: string, initArgs: any[]) {
  const implementation = m.contract(name, [], { id: `${name}Implementation` });
  const init = m.encodeFunctionCall(implementation, "initialize", initArgs, { id: `${name}Init` });
  const proxy = m.contract("ERC1967Proxy", [implementation, init], { id: `${name}Proxy` });
  return m.contractAt(name, proxy, { id: name });
}
