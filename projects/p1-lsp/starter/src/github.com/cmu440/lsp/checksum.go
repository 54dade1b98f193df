// This file is provided by the course staff. Do not modify it: the grader uses its own copy.

package lsp

// Int2Checksum returns the sum of the low and high 16-bit halves of the low 32 bits of value,
// added as 16-bit numbers (a carry out of 16 bits is lost).
func Int2Checksum(value int) uint32 {
	low := uint16(uint32(value))
	high := uint16(uint32(value) >> 16)
	return uint32(low + high)
}

// ByteArray2Checksum returns the sum of value read as little-endian 16-bit words; an odd last byte
// is padded with a zero high byte.
func ByteArray2Checksum(value []byte) uint32 {
	var sum uint32
	for i := 0; i < len(value); i += 2 {
		word := uint32(value[i])
		if i+1 < len(value) {
			word |= uint32(value[i+1]) << 8
		}
		sum += word
	}
	return sum
}

// CalculateChecksum returns the checksum of a Data message: the one's complement of the 16-bit
// folded sum of its connection id, sequence number, size and payload.
func CalculateChecksum(connID, seqNum, size int, payload []byte) uint16 {
	sum := Int2Checksum(connID) + Int2Checksum(seqNum) + Int2Checksum(size) + ByteArray2Checksum(payload)
	for sum > 0xffff {
		sum = (sum >> 16) + (sum & 0xffff)
	}
	return ^uint16(sum)
}
