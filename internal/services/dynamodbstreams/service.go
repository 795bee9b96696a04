// Package dynamodbstreams is Virga's Amazon DynamoDB Streams API, reading
// the change streams that the dynamodb package keeps in-process.
package dynamodbstreams

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/dynamodb"
	ddbapi "github.com/virga-aws/virga/internal/services/dynamodb/api"
	"github.com/virga-aws/virga/internal/services/dynamodbstreams/api"
)

// iteratorLifetime is how long a shard iterator stays valid
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html).
const iteratorLifetime = 15 * time.Minute

// maxRecords is GetRecords' largest (and default) Limit.
const maxRecords = 1000

// Service implements the DynamoDB Streams API over a dynamodb.Service.
type Service struct {
	api.Unimplemented
	ddb   *dynamodb.Service
	clock *clock.Clock
}

var _ api.Service = (*Service)(nil)

// Constructor returns the constructor of the streams service reading
// ddb's streams; register it after ddb's own.
func Constructor(ddb *dynamodb.Service) func(service.Deps) (*service.Service, error) {
	return func(deps service.Deps) (*service.Service, error) {
		c := deps.Clock
		if c == nil {
			c = clock.New()
		}
		s := &Service{ddb: ddb, clock: c}
		return &service.Service{Model: "dynamodbstreams", Operations: api.Operations(s), Reset: func() {}}, nil
	}
}

func caller(ctx context.Context) (account, region string) {
	account, region = "000000000000", "us-east-1"
	if info := request.From(ctx); info != nil {
		if info.Account != "" {
			account = info.Account
		}
		if info.Region != "" {
			region = info.Region
		}
	}
	return account, region
}

func validation(msg string) *awserr.Error {
	return &awserr.Error{Code: "ValidationException", Message: msg, Status: 400, Sender: true}
}

func (s *Service) ListStreams(ctx context.Context, in *api.ListStreamsInput) (*api.ListStreamsOutput, error) {
	account, region := caller(ctx)
	all := s.ddb.Streams(account, region, deref(in.TableName))
	limit := 100
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	start := 0
	if in.ExclusiveStartStreamArn != nil {
		for i, st := range all {
			if st.ARN == *in.ExclusiveStartStreamArn {
				start = i + 1
			}
		}
	}
	out := &api.ListStreamsOutput{Streams: []api.Stream{}}
	end := min(len(all), start+limit)
	for _, st := range all[start:end] {
		out.Streams = append(out.Streams, api.Stream{StreamArn: ptr(st.ARN), TableName: ptr(st.TableName), StreamLabel: ptr(st.Label)})
	}
	if end < len(all) {
		out.LastEvaluatedStreamArn = ptr(all[end-1].ARN)
	}
	return out, nil
}

func notFound(arn string) *awserr.Error {
	return api.ErrResourceNotFoundException("Requested resource not found: Stream: " + arn + " not found")
}

func (s *Service) DescribeStream(ctx context.Context, in *api.DescribeStreamInput) (*api.DescribeStreamOutput, error) {
	st, ok := s.ddb.Stream(deref(in.StreamArn))
	if !ok {
		return nil, notFound(deref(in.StreamArn))
	}
	d := &api.StreamDescription{StreamArn: ptr(st.ARN), StreamLabel: ptr(st.Label), StreamStatus: ptr(st.Status),
		StreamViewType: ptr(st.ViewType), CreationRequestDateTime: ptr(st.Created), TableName: ptr(st.TableName)}
	for _, k := range st.KeySchema {
		d.KeySchema = append(d.KeySchema, api.KeySchemaElement{AttributeName: k.AttributeName, KeyType: k.KeyType})
	}
	shard := api.Shard{ShardId: ptr(st.ShardID), SequenceNumberRange: &api.SequenceNumberRange{}}
	if st.FirstSequence != "" {
		shard.SequenceNumberRange.StartingSequenceNumber = ptr(st.FirstSequence)
	}
	if !st.Closed.IsZero() && st.LastSequence != "" {
		shard.SequenceNumberRange.EndingSequenceNumber = ptr(st.LastSequence)
	}
	d.Shards = []api.Shard{shard}
	return &api.DescribeStreamOutput{StreamDescription: d}, nil
}

// iterator is a shard position: records after seq ("" for the oldest).
type iterator struct {
	arn, shard, after string
	created           time.Time
}

func (it iterator) encode() string {
	raw := it.arn + "|" + it.shard + "|" + it.after + "|" + strconv.FormatInt(it.created.UnixNano(), 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeIterator(s string) (iterator, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return iterator{}, false
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 4 {
		return iterator{}, false
	}
	n, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return iterator{}, false
	}
	return iterator{parts[0], parts[1], parts[2], time.Unix(0, n)}, true
}

func (s *Service) GetShardIterator(ctx context.Context, in *api.GetShardIteratorInput) (*api.GetShardIteratorOutput, error) {
	arn := deref(in.StreamArn)
	st, ok := s.ddb.Stream(arn)
	if !ok {
		return nil, notFound(arn)
	}
	if deref(in.ShardId) != st.ShardID {
		return nil, api.ErrResourceNotFoundException("Requested resource not found: Shard does not exist")
	}
	it := iterator{arn: arn, shard: st.ShardID, created: s.clock.Now()}
	seq := deref(in.SequenceNumber)
	typ := deref(in.ShardIteratorType)
	switch typ {
	case api.ShardIteratorTypeTRIMHORIZON:
	case api.ShardIteratorTypeLATEST:
		it.after = st.LastSequence
	case api.ShardIteratorTypeATSEQUENCENUMBER, api.ShardIteratorTypeAFTERSEQUENCENUMBER:
		n, err := strconv.ParseUint(seq, 10, 64)
		if seq == "" || err != nil {
			return nil, validation("Invalid SequenceNumber for ShardIteratorType: " + typ)
		}
		if typ == api.ShardIteratorTypeATSEQUENCENUMBER {
			n--
		}
		it.after = seqString(n)
		if _, trimmed, _ := s.ddb.ReadStream(arn, it.after, 0); trimmed {
			return nil, api.ErrTrimmedDataAccessException("The operation attempted to read past the oldest stream record in a shard.")
		}
	}
	return &api.GetShardIteratorOutput{ShardIterator: ptr(it.encode())}, nil
}

func seqString(n uint64) string { return fmt.Sprintf("%021d", n) }

func (s *Service) GetRecords(ctx context.Context, in *api.GetRecordsInput) (*api.GetRecordsOutput, error) {
	it, ok := decodeIterator(deref(in.ShardIterator))
	if !ok {
		return nil, validation("Invalid ShardIterator")
	}
	if s.clock.Now().Sub(it.created) > iteratorLifetime {
		return nil, api.ErrExpiredIteratorException("Iterator expired")
	}
	limit := maxRecords
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > maxRecords {
			return nil, validation("1 validation error detected: Value '" + strconv.Itoa(int(*in.Limit)) + "' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000")
		}
		limit = int(*in.Limit)
	}
	recs, trimmed, ok := s.ddb.ReadStream(it.arn, it.after, limit)
	if !ok {
		return nil, notFound(it.arn)
	}
	if trimmed {
		return nil, api.ErrTrimmedDataAccessException("The operation attempted to read past the oldest stream record in a shard.")
	}
	_, region := caller(ctx)
	if parts := strings.Split(it.arn, ":"); len(parts) > 3 {
		region = parts[3]
	}
	out := &api.GetRecordsOutput{Records: []api.Record{}}
	for _, r := range recs {
		out.Records = append(out.Records, wireRecord(r, region))
		it.after = r.SequenceNumber
	}
	st, _ := s.ddb.Stream(it.arn)
	if st.Closed.IsZero() || len(recs) > 0 {
		it.created = s.clock.Now()
		out.NextShardIterator = ptr(it.encode())
	}
	return out, nil
}

func wireRecord(r dynamodb.StreamRecord, region string) api.Record {
	rec := api.Record{EventID: ptr(r.EventID), EventName: ptr(r.EventName), EventVersion: ptr("1.1"),
		EventSource: ptr("aws:dynamodb"), AwsRegion: ptr(region),
		Dynamodb: &api.StreamRecord{ApproximateCreationDateTime: ptr(r.Created.Truncate(time.Second)),
			Keys: convertItem(r.Keys), NewImage: convertItem(r.NewImage), OldImage: convertItem(r.OldImage),
			SequenceNumber: ptr(r.SequenceNumber), SizeBytes: ptr(r.SizeBytes), StreamViewType: ptr(r.ViewType)}}
	if r.TTL {
		rec.UserIdentity = &api.Identity{PrincipalId: ptr("dynamodb.amazonaws.com"), Type: ptr("Service")}
	}
	return rec
}

func convertItem(item map[string]ddbapi.AttributeValue) map[string]api.AttributeValue {
	if item == nil {
		return nil
	}
	out := make(map[string]api.AttributeValue, len(item))
	for k, v := range item {
		out[k] = convert(v)
	}
	return out
}

func convert(v ddbapi.AttributeValue) api.AttributeValue {
	out := api.AttributeValue{S: v.S, N: v.N, B: v.B, SS: v.SS, NS: v.NS, BS: v.BS, NULL: v.NULL, BOOL: v.BOOL}
	if v.M != nil {
		out.M = convertItem(v.M)
	}
	if v.L != nil {
		out.L = make([]api.AttributeValue, len(v.L))
		for i, e := range v.L {
			out.L[i] = convert(e)
		}
	}
	return out
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
