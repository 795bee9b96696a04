package state

import (
	"bytes"
	"strings"
	"testing"
)

func TestRecordsRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewRecordWriter(&buf)
	recs := [][3]string{{"queues", "a", `{"name":"a<b>"}`}, {"messages/a", "1", `"x"`}}
	for _, r := range recs {
		if err := w.Put(r[0], r[1], []byte(r[2])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"a<b>"`) {
		t.Errorf("HTML characters were escaped: %s", buf.String())
	}
	var got [][3]string
	err := ReadRecords(&buf, func(string) bool { return true }, func(ns, key string, value []byte) error {
		got = append(got, [3]string{ns, key, string(value)})
		return nil
	})
	if err != nil || len(got) != 2 || got[0] != recs[0] || got[1] != recs[1] {
		t.Fatalf("ReadRecords = %v, %v; want %v", got, err, recs)
	}
}

func TestReadRecordsErrorsNameTheRecord(t *testing.T) {
	known := func(ns string) bool { return ns == "ok" }
	ignore := func(string, string, []byte) error { return nil }
	for in, want := range map[string]string{
		`{"ns":"ok","key":"1","value":1}` + "\n" + `{"ns":"other","key":"2","value":2}`: `record 2: unknown namespace "other"`,
		`{"ns":"ok","key":"1","value":1}` + "\n" + `{"ns":`:                             "record 2: unexpected EOF",
	} {
		if err := ReadRecords(strings.NewReader(in), known, ignore); err == nil || err.Error() != want {
			t.Errorf("ReadRecords(%q) = %v, want %q", in, err, want)
		}
	}
}
