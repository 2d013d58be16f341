// EIP-712 signatures of the ALT token (permit and vote delegation), shared by tasks, tests and scripts.
import { Signature, type Signer, type TypedDataDomain } from "ethers";

export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export const DELEGATION_TYPES = {
  Delegation: [
    { name: "delegatee", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "expiry", type: "uint256" },
  ],
};

/** The governor's vote by signature (OpenZeppelin Governor `castVoteBySig`). */
export const BALLOT_TYPES = {
  Ballot: [
    { name: "proposalId", type: "uint256" },
    { name: "support", type: "uint8" },
    { name: "voter", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

/** The governor's vote with a reason by signature (`castVoteWithReasonAndParamsBySig`). */
export const EXTENDED_BALLOT_TYPES = {
  ExtendedBallot: [
    { name: "proposalId", type: "uint256" },
    { name: "support", type: "uint8" },
    { name: "voter", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "reason", type: "string" },
    { name: "params", type: "bytes" },
  ],
};

/** Any contract exposing its EIP-712 domain (ERC-5267), as OpenZeppelin's EIP712 does. */
export interface Eip712Contract {
  eip712Domain(): Promise<[string, string, string, bigint, string, string, bigint[]]>;
}

/** The contract's own EIP-712 domain, read from the chain (ERC-5267) so a name or version can never drift. */
export async function domainOf(contract: Eip712Contract): Promise<TypedDataDomain> {
  const [, name, version, chainId, verifyingContract] = await contract.eip712Domain();
  return { name, version, chainId, verifyingContract };
}

export interface PermitMessage {
  owner: string;
  spender: string;
  value: bigint;
  nonce: bigint;
  deadline: bigint;
}

export interface DelegationMessage {
  delegatee: string;
  nonce: bigint;
  expiry: bigint;
}

export async function signPermit(signer: Signer, token: Eip712Contract, message: PermitMessage): Promise<Signature> {
  return Signature.from(await signer.signTypedData(await domainOf(token), PERMIT_TYPES, message));
}

export async function signDelegation(
  signer: Signer,
  token: Eip712Contract,
  message: DelegationMessage,
): Promise<Signature> {
  return Signature.from(await signer.signTypedData(await domainOf(token), DELEGATION_TYPES, message));
}

export interface BallotMessage {
  proposalId: bigint;
  support: number;
  voter: string;
  nonce: bigint;
}

/** Signs a ballot; with a `reason`, the extended ballot (params empty) that carries it. */
export async function signBallot(
  signer: Signer,
  governor: Eip712Contract,
  message: BallotMessage,
  reason?: string,
): Promise<string> {
  const domain = await domainOf(governor);
  if (reason === undefined) return signer.signTypedData(domain, BALLOT_TYPES, message);
  return signer.signTypedData(domain, EXTENDED_BALLOT_TYPES, { ...message, reason, params: "0x" });
}
