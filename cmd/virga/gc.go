package main

import "os"

// heapFloorSize is how much garbage the server may accumulate before the
// collector runs while its live heap is small.
const heapFloorSize = 64 << 20

// heapFloor is a block allocated once and never touched: pointer-free, so
// the collector never scans it, and never written, so the kernel never
// backs it with memory. The collector counts it as live heap, so with
// the default GOGC a collection waits for about heapFloorSize of new
// garbage instead of the runtime's 4 MiB minimum. Virga's live heap is a
// few MiB at rest (models, compiled codecs), and a collection costs
// milliseconds of CPU whatever the garbage, so at the default every few
// hundred requests paid one: about 15 µs of CPU per DynamoDB PutItem
// under load, more than decoding, validating and storing the item
// together. A large live heap (big tables) is barely affected: the floor
// adds at most heapFloorSize of garbage to the heap the collector lets
// grow.
var heapFloor []byte

// raiseHeapFloor allocates heapFloor, unless GOGC or GOMEMLIMIT is set:
// then the user's settings rule alone.
func raiseHeapFloor() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	heapFloor = make([]byte, heapFloorSize)
}
