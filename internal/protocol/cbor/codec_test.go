package cbor_test

import (
	"testing"

	"github.com/virga-aws/virga/internal/protocol/cbor"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

func TestGolden(t *testing.T) {
	wiretest.Run(t, "testdata", cbor.Codec{})
}
