package state

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// recordLine is one line of a service snapshot: a journal record with its
// namespace and key, so that a service's snapshots and its journal share
// one encoding and one restore function.
type recordLine struct {
	NS    string          `json:"ns"`
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// RecordWriter writes journal records as snapshot lines of JSON objects
// {"ns","key","value"}. Its Put has the signature of Journal.Put, so one
// function can walk a service's state into either.
type RecordWriter struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

// NewRecordWriter returns a RecordWriter buffering into w; call Flush at
// the end.
func NewRecordWriter(w io.Writer) *RecordWriter {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &RecordWriter{bw: bw, enc: enc}
}

// Put writes one record; value must be valid JSON.
func (w *RecordWriter) Put(ns, key string, value []byte) error {
	return w.enc.Encode(recordLine{ns, key, value})
}

// Flush writes out what is buffered.
func (w *RecordWriter) Flush() error { return w.bw.Flush() }

// ReadRecords reads the snapshot lines a RecordWriter wrote and calls fn
// with each record in order. A line that does not parse, a namespace known
// rejects, or an error from fn stops it with an error naming the record's
// position (1-based).
func ReadRecords(r io.Reader, known func(ns string) bool, fn func(ns, key string, value []byte) error) error {
	dec := json.NewDecoder(r)
	for n := 1; ; n++ {
		var line recordLine
		if err := dec.Decode(&line); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("record %d: %w", n, err)
		}
		if !known(line.NS) {
			return fmt.Errorf("record %d: unknown namespace %q", n, line.NS)
		}
		if err := fn(line.NS, line.Key, line.Value); err != nil {
			return fmt.Errorf("record %d: %w", n, err)
		}
	}
}
