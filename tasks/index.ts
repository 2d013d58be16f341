// Registers every task area; each file holds one area.
import "./deploy";
import "./deployCheck";
import "./governance";
import "./token";
import "./vesting";
import "./airdrop";
import "./operator";
import "./stake";
import "./slash";
import "./rewards";
import "./rollup";
import "./services";
import "./squad";
import "./mach";
import "./vital";
import "./simulate";
import "./time";
