package restxml

import (
	"testing"

	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// TestGolden runs the wire exchanges in testdata/*.request through the
// codec and compares them with the .response files (go test -rewrite
// regenerates those; review the diff).
func TestGolden(t *testing.T) {
	wiretest.Run(t, "testdata", Codec{})
}
