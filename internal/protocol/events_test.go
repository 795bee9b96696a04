package protocol

import (
	"iter"
	"reflect"
	"testing"
)

type testChunk struct {
	Payload []byte `aws:"Payload"`
}

type testDone struct {
	ErrorCode *string `aws:"ErrorCode"`
}

type testEvent struct {
	Chunk *testChunk `aws:"Chunk"`
	Done  *testDone  `aws:"Done"`
}

type testStreamOutput struct {
	Version *string             `aws:"Version"`
	Events  iter.Seq[testEvent] `aws:"Events"`
}

func TestUnbindEventStream(t *testing.T) {
	code := "Boom"
	cleaned := false
	out := &testStreamOutput{
		Version: &code,
		Events: func(yield func(testEvent) bool) {
			defer func() { cleaned = true }()
			for _, p := range []string{"a", "b", "c"} {
				if !yield(testEvent{Chunk: &testChunk{Payload: []byte(p)}}) {
					return
				}
			}
			yield(testEvent{Done: &testDone{ErrorCode: &code}})
		},
	}
	tree := Unbind(out).(map[string]any)
	es, ok := tree["Events"].(EventStream)
	if !ok {
		t.Fatalf("Events unbound as %T", tree["Events"])
	}
	var got []map[string]any
	es(func(ev map[string]any) bool {
		got = append(got, ev)
		return true
	})
	want := []map[string]any{
		{"Chunk": map[string]any{"Payload": []byte("a")}},
		{"Chunk": map[string]any{"Payload": []byte("b")}},
		{"Chunk": map[string]any{"Payload": []byte("c")}},
		{"Done": map[string]any{"ErrorCode": "Boom"}},
	}
	if !reflect.DeepEqual(got, want) || !cleaned {
		t.Fatalf("events %v cleaned=%v", got, cleaned)
	}
	// A consumer that stops early stops the producer.
	cleaned, n := false, 0
	es(func(map[string]any) bool { n++; return false })
	if n != 1 || !cleaned {
		t.Fatalf("early stop: %d events, cleaned=%v", n, cleaned)
	}
	if tree := Unbind(&testStreamOutput{}).(map[string]any); tree["Events"] != nil {
		t.Fatalf("nil stream unbound as %v", tree["Events"])
	}
}
