// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

/// @title CheckpointWindow
/// @notice Reads the changes of an epoch-keyed `Checkpoints.Trace208` inside a window of epochs, for callers that walk a
///         piecewise-constant history (rewards settle between changes instead of epoch by epoch).
library CheckpointWindow {
    using Checkpoints for Checkpoints.Trace208;

    /// @notice The trace's value in force at `epoch` (the latest checkpoint keyed at or before it; 0 if none).
    /// @dev Recent epochs first: what quorums read (the current epoch, or the one before) is one of the last two
    ///      checkpoints (a change made now is keyed to the next epoch), one read each however long the history; older
    ///      epochs fall back to a binary search.
    function valueAt(Checkpoints.Trace208 storage trace, uint256 epoch) internal view returns (uint256) {
        uint48 k = key(epoch);
        Checkpoints.Checkpoint208[] storage checkpoints = trace._checkpoints;
        uint256 length = checkpoints.length;
        // each checkpoint is one word (key and value): one read each
        if (length != 0) {
            Checkpoints.Checkpoint208 memory last = checkpoints[length - 1];
            if (last._key <= k) return last._value;
            if (length > 1) {
                Checkpoints.Checkpoint208 memory previous = checkpoints[length - 2];
                if (previous._key <= k) return previous._value;
            }
        }
        return length > 2 ? trace.upperLookup(k) : 0;
    }

    /// @notice A checkpoint key for `epoch` (epochs past 2^48 - 1 read the latest value).
    function key(uint256 epoch) internal pure returns (uint48) {
        return epoch > type(uint48).max ? type(uint48).max : uint48(epoch);
    }

    /// @notice A trace's changes strictly after `from` and strictly before `until`, at most `max` of them, in order.
    /// @dev One binary search (O(log n) reads) and one read per change returned.
    /// @return start the value in force at `from` (the latest checkpoint keyed at or before it; 0 if none)
    /// @return keys the epochs at which the value changed
    /// @return values the value from each of those epochs on
    function window(
        Checkpoints.Trace208 storage trace,
        uint256 from,
        uint256 until,
        uint256 max
    ) internal view returns (uint256 start, uint48[] memory keys, uint208[] memory values) {
        uint256 length = trace.length();
        // the first position keyed after `from`
        uint256 low;
        uint256 high = length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (trace.at(uint32(mid))._key > from) high = mid;
            else low = mid + 1;
        }
        if (low != 0) start = trace.at(uint32(low - 1))._value;
        uint256 room = length - low;
        if (room > max) room = max;
        keys = new uint48[](room);
        values = new uint208[](room);
        uint256 count;
        for (; count < room; ++count) {
            Checkpoints.Checkpoint208 memory c = trace.at(uint32(low + count));
            if (c._key >= until) break;
            keys[count] = c._key;
            values[count] = c._value;
        }
        // solhint-disable-next-line no-inline-assembly
        assembly {
            // shorten both arrays to what was filled (count <= room: memory stays allocated, nothing else moves)
            mstore(keys, count)
            mstore(values, count)
        }
    }
}
