package runtime

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"sync"
)

// maxLineSize is where a line without a newline, or a longer frame, is cut
// into log records (CloudWatch Logs' 256 KB event limit).
const maxLineSize = 256 * 1024

// telemetryFD is the descriptor number of the telemetry pipe in the child
// (its first extra file).
const telemetryFD = 3

// frameMagic is the high half of every telemetry frame type: 0xa55a0003
// for a text record, with level bits in the low half (0xa55a0017 is a text
// ERROR record, 0xa55a0002 and up are JSON records).
const frameMagic = 0xa55a

// frameHeaderSize is a telemetry frame's header: type, length and a
// timestamp in microseconds, big-endian.
const frameHeaderSize = 16

// capture turns what an instance writes into log records for
// Config.Output: its stdout and stderr (one pipe) cut into lines, and, for
// the managed runtimes, the telemetry pipe (_LAMBDA_TELEMETRY_LOG_FD, the
// logging contract between AWS's runtime interface clients and the
// platform) cut into frames, each frame one record whatever newlines it
// holds. mu is held while a pipe is read and what was read is emitted, and
// before a frame is emitted what the process wrote to stdout until then is
// read first (on Unix), so records reach Output in the order the process
// wrote them.
type capture struct {
	mu     sync.Mutex
	emit   func(string)
	lines  lineSplitter
	frames frameSplitter

	stdout    *pipe
	telemetry *pipe // nil without telemetry
	done      chan struct{}
}

// pipe is the read end of one of the child's output pipes.
type pipe struct {
	f       *os.File
	buf     []byte
	consume func([]byte) // called with c.mu held
	eof     bool
}

// newCapture starts reading stdout and, when not nil, telemetry; done is
// closed when both reached their end.
func newCapture(emit func(string), stdout, telemetry *os.File) *capture {
	if emit == nil {
		emit = func(string) {}
	}
	c := &capture{emit: emit, done: make(chan struct{})}
	c.stdout = &pipe{f: stdout, buf: make([]byte, 64<<10), consume: func(p []byte) { c.lines.feed(p, c.emit) }}
	pipes := []*pipe{c.stdout}
	if telemetry != nil {
		c.telemetry = &pipe{f: telemetry, buf: make([]byte, 64<<10), consume: func(p []byte) { c.frames.feed(p, c.emitFrame) }}
		pipes = append(pipes, c.telemetry)
	}
	var wg sync.WaitGroup
	for _, p := range pipes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.pump(p)
			c.mu.Lock()
			p.eof = true
			if p == c.stdout {
				c.lines.end(c.emit)
			} else {
				c.frames.end(c.emit)
			}
			c.mu.Unlock()
			p.f.Close()
		}()
	}
	go func() {
		wg.Wait()
		close(c.done)
	}()
	return c
}

// emitFrame emits a telemetry record after what the process wrote to
// stdout before it. c.mu must be held.
func (c *capture) emitFrame(msg string) {
	c.drain(c.stdout)
	c.emit(msg)
}

// flush emits everything the process has written so far.
func (c *capture) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drain(c.stdout)
	if c.telemetry != nil {
		c.drain(c.telemetry)
	}
}

// drain reads what p holds now, without waiting (nothing where the
// platform cannot), and consumes it. c.mu must be held.
func (c *capture) drain(p *pipe) {
	if !p.eof {
		drainNow(p.f, p.buf, p.consume)
	}
}

// lineSplitter cuts a byte stream into lines (without their "\n" or a
// "\r" before it), and lines longer than maxLineSize into pieces.
type lineSplitter struct {
	partial []byte
}

// feed cuts data, emitting every complete line.
func (l *lineSplitter) feed(data []byte, emit func(string)) {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			l.partial = append(l.partial, data...)
			for len(l.partial) >= maxLineSize {
				emit(string(l.partial[:maxLineSize]))
				l.partial = append(l.partial[:0], l.partial[maxLineSize:]...)
			}
			return
		}
		if len(l.partial) > 0 {
			l.partial = append(l.partial, data[:i]...)
			l.line(l.partial, emit)
			l.partial = l.partial[:0]
		} else {
			l.line(data[:i], emit)
		}
		data = data[i+1:]
	}
}

func (l *lineSplitter) line(b []byte, emit func(string)) {
	for len(b) > maxLineSize {
		emit(string(b[:maxLineSize]))
		b = b[maxLineSize:]
	}
	emit(strings.TrimRight(string(b), "\r"))
}

// end emits the last line when it had no newline.
func (l *lineSplitter) end(emit func(string)) {
	if len(l.partial) > 0 {
		l.line(l.partial, emit)
		l.partial = nil
	}
}

// frameSplitter cuts the telemetry stream into records: a 16-byte header
// (type, message length, timestamp) and the message. A message ending in
// "\n" loses it (records carry no line end, like stdout's lines); an empty
// one is dropped; one longer than maxLineSize is cut into pieces. A header without the frame magic
// means the stream is not framed: the rest is cut into lines instead, so
// nothing is lost.
type frameSplitter struct {
	head    [frameHeaderSize]byte
	nhead   int
	left    int64 // message bytes of the current frame still to come
	msg     []byte
	unframe bool
	raw     lineSplitter
}

// feed cuts data, emitting every complete record.
func (f *frameSplitter) feed(data []byte, emit func(string)) {
	for len(data) > 0 {
		if f.unframe {
			f.raw.feed(data, emit)
			return
		}
		if f.nhead < frameHeaderSize {
			n := copy(f.head[f.nhead:], data)
			f.nhead += n
			data = data[n:]
			if f.nhead < frameHeaderSize {
				return
			}
			if binary.BigEndian.Uint32(f.head[0:4])>>16 != frameMagic {
				f.unframe = true
				f.raw.feed(f.head[:], emit)
				continue
			}
			f.left = int64(binary.BigEndian.Uint32(f.head[4:8]))
			f.msg = f.msg[:0]
			if f.left == 0 {
				f.nhead = 0
			}
			continue
		}
		n := int64(len(data))
		n = min(n, f.left, int64(maxLineSize-len(f.msg)))
		f.msg = append(f.msg, data[:n]...)
		data = data[n:]
		f.left -= n
		switch {
		case f.left == 0:
			emit(strings.TrimSuffix(string(f.msg), "\n"))
			f.msg = f.msg[:0]
			f.nhead = 0
		case len(f.msg) >= maxLineSize:
			emit(string(f.msg))
			f.msg = f.msg[:0]
		}
	}
}

// end emits what arrived of a frame cut short, or the unframed rest.
func (f *frameSplitter) end(emit func(string)) {
	if f.unframe {
		f.raw.end(emit)
		return
	}
	if f.nhead == frameHeaderSize && len(f.msg) > 0 {
		emit(string(f.msg))
	}
	f.msg = nil
}
