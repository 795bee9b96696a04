// Package codecs lists Virga's protocol codecs by model protocol name.
package codecs

import (
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/awsjson"
	"github.com/virga-aws/virga/internal/protocol/cbor"
	"github.com/virga-aws/virga/internal/protocol/ec2query"
	"github.com/virga-aws/virga/internal/protocol/query"
	"github.com/virga-aws/virga/internal/protocol/restjson"
	"github.com/virga-aws/virga/internal/protocol/restxml"
)

// All returns a codec for every protocol Virga speaks.
func All() map[string]protocol.Codec {
	return map[string]protocol.Codec{
		model.ProtocolJSON:     awsjson.Codec{},
		model.ProtocolRESTJSON: restjson.Codec{},
		model.ProtocolRESTXML:  restxml.Codec{},
		model.ProtocolQuery:    query.Codec{},
		model.ProtocolEC2:      ec2query.Codec{},
		model.ProtocolCBOR:     cbor.Codec{},
	}
}
