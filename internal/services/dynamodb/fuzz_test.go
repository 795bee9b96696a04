package dynamodb

import (
	"encoding/json"
	"testing"
)

// FuzzAttributeValue feeds DynamoDB JSON attribute values to the checks
// every written value goes through: they must never panic, and a value
// that passes must have a size and survive the journal's round trip.
func FuzzAttributeValue(f *testing.F) {
	for _, s := range []string{
		`{"S":"x"}`, `{"N":"1e2"}`, `{"N":"abc"}`, `{"SS":[]}`, `{"SS":["a","a"]}`, `{"NS":["1","1.0"]}`,
		`{"M":{"a":{"L":[{"NULL":true},{"BOOL":false},{"B":"AAE="}]}}}`, `{"NULL":false}`, `{}`, `{"S":"a","N":"1"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var raw any
		if json.Unmarshal(data, &raw) != nil {
			return
		}
		v := avFromWire(raw)
		if validateValue(&v, 1) != nil {
			return
		}
		valueSize(&v)
		b, err := json.Marshal(avWire(&v))
		if err != nil {
			t.Fatal(err)
		}
		var back any
		json.Unmarshal(b, &back)
		w := avFromWire(back)
		if validateValue(&w, 1) != nil {
			t.Fatalf("round trip of %s failed validation", b)
		}
	})
}
