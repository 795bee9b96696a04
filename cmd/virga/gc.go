package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// heapFloorSize is how much garbage the server may accumulate before the
// collector runs while its live heap is small.
const heapFloorSize = 16 << 20

// heapFloor is a block allocated once and never touched: pointer-free, so
// the collector never scans it, and never written, so the kernel never
// backs it with memory. The collector counts it as live heap, so with
// the default GOGC a collection waits for about heapFloorSize of new
// garbage instead of the runtime's 4 MiB minimum. Virga's live heap is a
// few MiB at rest (models, compiled codecs), and a collection costs
// milliseconds of CPU whatever the garbage, so at the default every few
// hundred requests paid one: about 15 µs of CPU per DynamoDB PutItem
// under load, more than decoding, validating and storing the item
// together. With 16 MiB that is under 2 µs, while the memory a busy server
// holds stays under the 64 MiB goal (docs/architecture.md has the
// figures for 16, 32 and 64 MiB). A large live heap (big tables) is barely
// affected: the floor adds at most heapFloorSize of garbage to the heap
// the collector lets grow.
var heapFloor []byte

// raiseHeapFloor allocates heapFloor and starts trimWhenIdle, unless GOGC
// or GOMEMLIMIT is set: then the user's settings rule alone.
func raiseHeapFloor() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	heapFloor = make([]byte, heapFloorSize)
	go trimWhenIdle()
}

// Idle trimming: after a burst of work the heap holds up to heapFloorSize
// of garbage, which the runtime keeps mapped. trimWhenIdle watches the
// bytes allocated per trimInterval and, once a busy interval is followed
// by a quiet one, collects and returns the free memory to the system, so
// a Virga left running between test runs holds only its live data.
const (
	trimInterval = 250 * time.Millisecond
	busyAlloc    = 256 << 10 // bytes allocated in an interval that mean work
	quietAlloc   = 32 << 10  // at most this much means the burst is over
)

// trimWhenIdle runs until the process exits.
func trimWhenIdle() {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	last, busy := read(), false
	for range time.Tick(trimInterval) {
		now := read()
		grew := now - last
		last = now
		switch {
		case grew >= busyAlloc:
			busy = true
		case busy && grew <= quietAlloc:
			busy = false
			debug.FreeOSMemory()
			last = read()
		}
	}
}
