export { GENESIS_SUPPLY, TOTAL_BPS } from "../../deploy/lib/genesis";

/** 1 ALT in wei. */
export const ALT = 10n ** 18n;
