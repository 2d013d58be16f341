// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title BLS
/// @notice BLS12-381 signatures on the EIP-2537 precompiles: public keys in G2, signatures and hashed messages in G1
///         (the "minimal signature" variant: a message hashes to G1 with one cheap MAP_FP_TO_G1 per field element, and
///         a signature is 128 bytes). Points are EIP-2537 encodings: an Fp element is 64 big-endian bytes (16 zero
///         bytes, then the 48-byte value), a G1 point is x || y (128 bytes), an Fp2 element is c0 || c1 and a G2 point
///         x || y (256 bytes); the point at infinity is all zeros. Messages are hashed to G1 per RFC 9380, suite
///         BLS12381G1_XMD:SHA-256_SSWU_RO_, with the caller's domain separation tag.
library BLS {
    /// @notice A precompile refused its input (a point not on its curve, or outside the subgroup where required).
    error BLSPrecompileFailed(address precompile);
    /// @notice RFC 9380 allows domain separation tags of 1 to 255 bytes.
    error BLSInvalidDomainTag(uint256 length);
    /// @notice expand_message_xmd gives 1 to 255 × 32 bytes.
    error BLSInvalidOutputLength(uint256 length);
    /// @notice A G2 point must be 256 bytes.
    error BLSInvalidPointLength(uint256 length);
    /// @notice A coordinate is not an Fp element: its 16 padding bytes are not zero, or its value is p or more.
    error BLSInvalidFieldElement();

    uint256 internal constant G1_SIZE = 128;
    uint256 internal constant G2_SIZE = 256;
    /// @notice A G2 point packed: its EIP-2537 encoding without the 16 zero bytes before each coordinate.
    uint256 internal constant G2_PACKED_SIZE = 192;

    address private constant MODEXP = address(0x05);
    address private constant G1_ADD = address(0x0b);
    address private constant G2_ADD = address(0x0d);
    address private constant G2_MSM = address(0x0e);
    address private constant PAIRING_CHECK = address(0x0f);
    address private constant MAP_FP_TO_G1 = address(0x10);

    /// @dev The base field's modulus p (381 bits, 48 bytes).
    bytes private constant P =
        hex"1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";
    /// @dev p split for two-word arithmetic: the high 16 bytes and the low 32 bytes.
    uint256 private constant P_HIGH = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 private constant P_LOW = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;
    /// @notice The negated G2 generator (x, −y), both coordinates of y taken from p, for checking
    ///         e(sig, −g2) · e(H(m), pk) == 1.
    bytes internal constant NEG_G2_GENERATOR =
        hex"00000000000000000000000000000000024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
        hex"0000000000000000000000000000000013e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
        hex"000000000000000000000000000000000d1b3cc2c7027888be51d9ef691d77bcb679afda66c73f17f9ee3837a55024f78c71363275a75d75d86bab79f74782aa"
        hex"0000000000000000000000000000000013fa4d4a0ad8b1ce186ed5061789213d993923066dddaf1040bc3ff59f825c78df74f2d75467e25e0f55f8a00fa030ed";

    /// @dev RFC 9380 hash_to_field for Fp with count 2: 2 elements × L = 64 bytes.
    uint256 private constant UNIFORM_BYTES = 128;

    /// @dev Gas forwarded to each precompile: EIP-2537's fixed prices for these inputs (a failing precompile consumes
    ///      all the gas it is given, so it is given no more), and for MODEXP of a 64-byte base, exponent 1 and a 48-byte
    ///      modulus a bound above its price (500 since Osaka's EIP-7883, 200 before).
    uint256 private constant PAIRING_2_GAS = 37_700 + 2 * 32_600;
    uint256 private constant G2_MSM_1_GAS = 22_500;
    uint256 private constant G1_ADD_GAS = 375;
    uint256 private constant G2_ADD_GAS = 600;
    uint256 private constant MAP_FP_TO_G1_GAS = 5_500;
    uint256 private constant MODEXP_GAS = 1_000;

    // ================================================================= signatures

    /// @notice Whether `signature` (G1) is `publicKey`'s (G2) signature of the message hashed to `messagePoint` (G1):
    ///         e(signature, g2) == e(messagePoint, publicKey), with one pairing check of two pairs. False for points
    ///         off their curve or outside their subgroup (the precompile checks both), and for the point at infinity as
    ///         key or signature (which would pass the pairing for any message), never a revert. Rogue keys (one chosen
    ///         to cancel another in an aggregate) are the key registry's to refuse, by a proof of possession.
    function verify(
        bytes memory publicKey,
        bytes memory messagePoint,
        bytes memory signature
    ) internal view returns (bool) {
        if (publicKey.length != G2_SIZE || messagePoint.length != G1_SIZE || signature.length != G1_SIZE) return false;
        if (_isZero(publicKey) || _isZero(signature)) return false;
        // pairs of G1 (128 bytes) || G2 (256 bytes)
        bytes memory input = bytes.concat(signature, NEG_G2_GENERATOR, messagePoint, publicKey);
        (bool ok, bytes memory out) = PAIRING_CHECK.staticcall{gas: PAIRING_2_GAS}(input);
        return ok && out.length == 32 && abi.decode(out, (uint256)) == 1;
    }

    /// @notice Whether `point` is a G2 point fit to be a public key: 256 bytes, on the curve, in the prime-order
    ///         subgroup (checked by a one-point multi-scalar multiplication, which refuses anything else) and not the
    ///         point at infinity.
    function isValidPublicKey(bytes memory point) internal view returns (bool) {
        if (point.length != G2_SIZE || _isZero(point)) return false;
        (bool ok, bytes memory out) = G2_MSM.staticcall{gas: G2_MSM_1_GAS}(bytes.concat(point, bytes32(uint256(1))));
        // a chain without the precompile answers a call to it with success and no output
        return ok && out.length == G2_SIZE;
    }

    /// @notice The 208-bit hash a public key is checkpointed under: the low 208 bits of its keccak256.
    function keyHash(bytes memory publicKey) internal pure returns (uint208) {
        return uint208(uint256(keccak256(publicKey)));
    }

    /// @notice `keyHash` of a key in calldata, hashed in scratch memory (nothing allocated: a loop over many keys does
    ///         not grow memory).
    function keyHashCalldata(bytes calldata publicKey) internal pure returns (uint208 hash) {
        uint256 full;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            let scratch := mload(0x40)
            calldatacopy(scratch, publicKey.offset, publicKey.length)
            full := keccak256(scratch, publicKey.length)
        }
        return uint208(full);
    }

    // ================================================================= group operations

    /// @notice a + b in G1 (on-curve checked by the precompile, no subgroup check).
    function g1Add(bytes memory a, bytes memory b) internal view returns (bytes memory) {
        return _call(G1_ADD, G1_ADD_GAS, bytes.concat(a, b), G1_SIZE);
    }

    /// @notice A buffer to sum G2 points in, nothing allocated per point: the sum so far (the point at infinity) ||
    ///         the next point to add.
    function g2SumBuffer() internal pure returns (bytes memory buffer) {
        buffer = new bytes(2 * G2_SIZE);
    }

    /// @notice Loads point `index` of `packed` into `buffer` as the next point to add, and returns its `keyHash` (of its
    ///         256-byte encoding). `packed` holds G2 points of `G2_PACKED_SIZE` bytes each: a point's EIP-2537 encoding
    ///         without the 16 zero bytes before each of its four coordinates.
    function loadPackedG2(
        bytes memory buffer,
        bytes calldata packed,
        uint256 index
    ) internal pure returns (uint208 hash) {
        if ((index + 1) * G2_PACKED_SIZE > packed.length) revert BLSInvalidPointLength(packed.length);
        uint256 full;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            // the next point's padding bytes are never written: they stay zero
            let next := add(buffer, 288)
            let from := add(packed.offset, mul(index, 192))
            calldatacopy(add(next, 16), from, 48)
            calldatacopy(add(next, 80), add(from, 48), 48)
            calldatacopy(add(next, 144), add(from, 96), 48)
            calldatacopy(add(next, 208), add(from, 144), 48)
            full := keccak256(next, 256)
        }
        return uint208(full);
    }

    /// @notice Adds the point loaded into `buffer` to its sum (on-curve checked by the precompile, no subgroup check).
    function addLoadedG2(bytes memory buffer) internal view {
        address precompile = G2_ADD;
        uint256 gasLimit = G2_ADD_GAS;
        bool ok;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            let data := add(buffer, 32)
            ok := staticcall(gasLimit, precompile, data, 512, data, 256)
            // a chain without the precompile answers with success and no output
            if iszero(eq(returndatasize(), 256)) {
                ok := 0
            }
        }
        if (!ok) revert BLSPrecompileFailed(precompile);
    }

    /// @notice The sum in `buffer` (256 bytes: the buffer itself, shortened).
    function g2BufferSum(bytes memory buffer) internal pure returns (bytes memory sum) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            mstore(buffer, 256)
            sum := buffer
        }
    }

    /// @notice a + b in G2 (on-curve checked by the precompile, no subgroup check).
    function g2Add(bytes memory a, bytes memory b) internal view returns (bytes memory) {
        return _call(G2_ADD, G2_ADD_GAS, bytes.concat(a, b), G2_SIZE);
    }

    /// @notice −a in G2: (x, −y) with −y = (p − y.c0, p − y.c1), a zero coordinate staying zero; the point at infinity
    ///         for itself. No curve check: the negation of a point off the curve is off it too.
    function g2Negate(bytes memory a) internal pure returns (bytes memory negated) {
        if (a.length != G2_SIZE) revert BLSInvalidPointLength(a.length);
        negated = bytes.concat(a);
        if (_isZero(a)) return negated;
        _negateFp(negated, 128); // y.c0
        _negateFp(negated, 192); // y.c1
    }

    // ================================================================= hashing (RFC 9380)

    /// @notice hash_to_curve for G1: two field elements from `message`, each mapped (simplified SWU, isogeny and
    ///         cofactor clearing: the precompile), then added.
    function hashToG1(bytes memory message, bytes memory domainTag) internal view returns (bytes memory) {
        bytes memory uniform = expandMessageXmd(message, domainTag, UNIFORM_BYTES);
        bytes memory q0 = _call(MAP_FP_TO_G1, MAP_FP_TO_G1_GAS, _toField(uniform, 0), G1_SIZE);
        bytes memory q1 = _call(MAP_FP_TO_G1, MAP_FP_TO_G1_GAS, _toField(uniform, 64), G1_SIZE);
        return g1Add(q0, q1);
    }

    /// @notice expand_message_xmd with SHA-256 (RFC 9380, 5.3.1): `length` uniform bytes (1 to 255 × 32).
    function expandMessageXmd(
        bytes memory message,
        bytes memory domainTag,
        uint256 length
    ) internal pure returns (bytes memory uniform) {
        uint256 tagLength = domainTag.length;
        if (tagLength == 0 || tagLength > 255) revert BLSInvalidDomainTag(tagLength);
        uint256 blocks = (length + 31) / 32;
        if (length == 0 || blocks > 255) revert BLSInvalidOutputLength(length);
        bytes memory tagPrime = bytes.concat(domainTag, bytes1(uint8(tagLength)));
        // Z_pad (64 zero bytes, SHA-256's block) || msg || I2OSP(length, 2) || I2OSP(0, 1) || DST_prime
        bytes32 b0 = sha256(bytes.concat(bytes32(0), bytes32(0), message, bytes2(uint16(length)), bytes1(0), tagPrime));
        bytes32 bi = sha256(bytes.concat(b0, bytes1(uint8(1)), tagPrime));
        uniform = new bytes(blocks * 32);
        for (uint256 i = 1; ; ++i) {
            // solhint-disable-next-line no-inline-assembly
            assembly {
                mstore(add(uniform, mul(i, 32)), bi)
            }
            if (i == blocks) break;
            bi = sha256(bytes.concat(b0 ^ bi, bytes1(uint8(i + 1)), tagPrime));
        }
        // solhint-disable-next-line no-inline-assembly
        assembly {
            mstore(uniform, length) // a length that is not a multiple of 32 drops the tail
        }
    }

    // ================================================================= internals

    /// @dev The 64 bytes of `uniform` at `offset` as a big-endian integer, reduced mod p, as an EIP-2537 Fp element.
    function _toField(bytes memory uniform, uint256 offset) private view returns (bytes memory element) {
        bytes32 high;
        bytes32 low;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            high := mload(add(add(uniform, 32), offset))
            low := mload(add(add(uniform, 64), offset))
        }
        // MODEXP(base, 1, p): lengths 64, 1 and 48, then the base, the exponent 1 and the modulus
        bytes memory reduced = _call(
            MODEXP,
            MODEXP_GAS,
            bytes.concat(bytes32(uint256(64)), bytes32(uint256(1)), bytes32(uint256(48)), high, low, bytes1(0x01), P),
            48
        );
        element = bytes.concat(bytes16(0), reduced);
    }

    /// @dev Replaces the Fp element at byte `offset` of `point` (64 bytes: 16 zero bytes, then 16 high bytes in the
    ///      word at `offset` and 32 low bytes in the next) with p − v, or leaves it at zero.
    function _negateFp(bytes memory point, uint256 offset) private pure {
        uint256 high;
        uint256 low;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            high := mload(add(add(point, 32), offset))
            low := mload(add(add(point, 64), offset))
        }
        if (high == 0 && low == 0) return;
        // a word above p's high one also catches non-zero padding
        if (high > P_HIGH || (high == P_HIGH && low >= P_LOW)) revert BLSInvalidFieldElement();
        // p − v over two words, borrowing from the high one (v < p: no underflow)
        uint256 borrow = low > P_LOW ? 1 : 0;
        unchecked {
            low = P_LOW - low;
            high = P_HIGH - high - borrow;
        }
        // solhint-disable-next-line no-inline-assembly
        assembly {
            mstore(add(add(point, 32), offset), high)
            mstore(add(add(point, 64), offset), low)
        }
    }

    /// @dev Calls a precompile with `gasLimit` and returns its `size`-byte output; reverts when it fails or answers
    ///      short (as a chain without it does).
    function _call(
        address precompile,
        uint256 gasLimit,
        bytes memory input,
        uint256 size
    ) private view returns (bytes memory out) {
        bool ok;
        (ok, out) = precompile.staticcall{gas: gasLimit}(input);
        if (!ok || out.length != size) revert BLSPrecompileFailed(precompile);
    }

    /// @dev Whether every byte of `data` is zero.
    function _isZero(bytes memory data) private pure returns (bool) {
        uint256 words = data.length / 32;
        for (uint256 i; i < words; ++i) {
            uint256 word;
            // solhint-disable-next-line no-inline-assembly
            assembly {
                word := mload(add(data, mul(add(i, 1), 32)))
            }
            if (word != 0) return false;
        }
        return true;
    }
}
