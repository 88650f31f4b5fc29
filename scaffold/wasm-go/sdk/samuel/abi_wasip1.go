//go:build wasip1 && !samuel_standalone

package samuel

import "unsafe"

// The raw imports of the `samuel` host module (protocol 1). Everything here takes or returns plain
// integers and pointers into linear memory; the rest of the package wraps them in Go types. A build with
// -tags samuel_standalone leaves them out (see abi_other.go).

//go:wasmimport samuel log
func hostLog(levelPtr unsafe.Pointer, levelLen uint32, msgPtr unsafe.Pointer, msgLen uint32)

//go:wasmimport samuel deadline_ms
func hostDeadlineMs() int64

//go:wasmimport samuel net_outbound
func hostNetOutbound(reqPtr unsafe.Pointer, reqLen uint32, respPtr unsafe.Pointer, respCap uint32) int32

//go:wasmimport samuel net_response
func hostNetResponse(respPtr unsafe.Pointer, respCap uint32) int32

// samuelProtocolVersion tells the host, at install time, which ABI protocol this module speaks.
//
//go:wasmexport samuel_protocol_version
func samuelProtocolVersion() int32 { return ProtocolVersion }

// bytesPtr returns a pointer to b's first byte, or nil for an empty slice (the host never reads
// through a pointer whose length is 0).
func bytesPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func rawLog(level, msg string) {
	l, m := []byte(level), []byte(msg)
	hostLog(bytesPtr(l), uint32(len(l)), bytesPtr(m), uint32(len(m)))
}

func rawDeadlineMs() int64 { return hostDeadlineMs() }

// rawFetch sends one encoded request and returns the encoded response. The first attempt uses a
// buffer of initialResponseCap bytes; a larger response is kept by the host and read whole with
// net_response into a buffer of exactly its size.
func rawFetch(req []byte) ([]byte, int32) {
	buf := make([]byte, initialResponseCap)
	n := hostNetOutbound(bytesPtr(req), uint32(len(req)), bytesPtr(buf), uint32(len(buf)))
	if n < 0 {
		return nil, n
	}
	if int(n) <= len(buf) {
		return buf[:n], 0
	}
	big := make([]byte, n)
	m := hostNetResponse(bytesPtr(big), uint32(len(big)))
	if m < 0 {
		return nil, m
	}
	if int(m) > len(big) {
		// The host retained a different response than it announced: report it as a buffer error.
		return nil, codeOutOfBounds
	}
	return big[:m], 0
}
