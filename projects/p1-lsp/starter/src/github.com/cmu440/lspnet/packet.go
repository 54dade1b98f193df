package lspnet

import "fmt"

// Packet kinds, with the values of lsp.MsgType.
const (
	PacketConnect = 0
	PacketData    = 1
	PacketAck     = 2
	PacketCAck    = 3
)

// Packet is an LSP message as seen on the wire: the JSON object lsp.Message encodes to, decoded
// into the same field names. FromServer tells which side wrote it; it is not part of the encoding.
type Packet struct {
	Type       int
	ConnID     int
	SeqNum     int
	Size       int
	Checksum   uint16
	Payload    []byte
	FromServer bool `json:"-"`
}

// IsHeartbeat tells whether the packet is a heartbeat (an Ack with sequence number 0).
func (p Packet) IsHeartbeat() bool {
	return p.Type == PacketAck && p.SeqNum == 0
}

// String returns a short description of the packet.
func (p Packet) String() string {
	from := "client"
	if p.FromServer {
		from = "server"
	}
	names := map[int]string{PacketConnect: "Connect", PacketData: "Data", PacketAck: "Ack", PacketCAck: "CAck"}
	name, ok := names[p.Type]
	if !ok {
		name = fmt.Sprintf("Type%d", p.Type)
	}
	if p.Type == PacketData {
		return fmt.Sprintf("%s->[%s %d %d size=%d sum=%d %q]", from, name, p.ConnID, p.SeqNum, p.Size, p.Checksum, p.Payload)
	}
	return fmt.Sprintf("%s->[%s %d %d]", from, name, p.ConnID, p.SeqNum)
}
