package dynamodb

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/awsjson"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/dynamodb/api"
)

// TestWireTypesMirrorAPI checks that each wire output has the generated
// output's members (field names, aws tags and types, in order) except
// that items are records.
func TestWireTypesMirrorAPI(t *testing.T) {
	itemTypes := map[reflect.Type]reflect.Type{
		reflect.TypeFor[map[string]api.AttributeValue]():   reflect.TypeFor[*record](),
		reflect.TypeFor[[]map[string]api.AttributeValue](): reflect.TypeFor[[]*record](),
	}
	for _, c := range []struct{ wire, api reflect.Type }{
		{reflect.TypeFor[getItemWire](), reflect.TypeFor[api.GetItemOutput]()},
		{reflect.TypeFor[pageWire](), reflect.TypeFor[api.QueryOutput]()},
		{reflect.TypeFor[pageWire](), reflect.TypeFor[api.ScanOutput]()},
	} {
		if c.wire.NumField() != c.api.NumField() {
			t.Fatalf("%s has %d fields, %s %d", c.wire, c.wire.NumField(), c.api, c.api.NumField())
		}
		for i := 0; i < c.api.NumField(); i++ {
			w, a := c.wire.Field(i), c.api.Field(i)
			want := a.Type
			if it, ok := itemTypes[a.Type]; ok && (a.Name == "Item" || a.Name == "Items") {
				want = it
			}
			if w.Name != a.Name || w.Tag != a.Tag || w.Type != want {
				t.Errorf("%s field %d is %s %s %s, want %s %s %s", c.wire, i, w.Name, w.Type, w.Tag, a.Name, want, a.Tag)
			}
		}
	}
}

// wireTestService returns a service with table "w" (string hash key pk,
// number range key sk), a KEYS_ONLY GSI "g" on g and an INCLUDE LSI "l" on
// lsk, holding items of every attribute type.
func wireTestService(t *testing.T) (*Service, context.Context) {
	s, reg, err := Build(service.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	ctx := context.Background()
	str := func(v string) *string { return &v }
	_, err = s.CreateTable(ctx, &api.CreateTableInput{TableName: str("wire"), BillingMode: str("PAY_PER_REQUEST"),
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: str("pk"), AttributeType: str("S")}, {AttributeName: str("sk"), AttributeType: str("N")},
			{AttributeName: str("g"), AttributeType: str("S")}, {AttributeName: str("lsk"), AttributeType: str("S")}},
		KeySchema: []api.KeySchemaElement{{AttributeName: str("pk"), KeyType: str("HASH")}, {AttributeName: str("sk"), KeyType: str("RANGE")}},
		GlobalSecondaryIndexes: []api.GlobalSecondaryIndex{{IndexName: str("g"), KeySchema: []api.KeySchemaElement{{AttributeName: str("g"), KeyType: str("HASH")}},
			Projection: &api.Projection{ProjectionType: str("KEYS_ONLY")}}},
		LocalSecondaryIndexes: []api.LocalSecondaryIndex{{IndexName: str("l"), KeySchema: []api.KeySchemaElement{{AttributeName: str("pk"), KeyType: str("HASH")}, {AttributeName: str("lsk"), KeyType: str("RANGE")}},
			Projection: &api.Projection{ProjectionType: str("INCLUDE"), NonKeyAttributes: []string{"s"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 30; i++ {
		item := map[string]api.AttributeValue{
			"pk": {S: str("p")}, "sk": {N: str(fmt.Sprint(i))}, "g": {S: str("G")}, "lsk": {S: str(fmt.Sprintf("l%02d", 30-i))},
			"s":   {S: str("quote \" \\ \n \u2028 é " + strings.Repeat("x", i))},
			"n":   {N: str("-12.50")},
			"b":   {B: []byte{0, 1, 2, byte(i)}},
			"ss":  {SS: []string{"b", "a"}},
			"ns":  {NS: []string{"1", "2.0"}},
			"bs":  {BS: [][]byte{{1}, {2}}},
			"m":   {M: map[string]api.AttributeValue{"z": {NULL: ptr(true)}, "a": {BOOL: ptr(false)}, "l": {L: []api.AttributeValue{{S: str("x")}, {M: map[string]api.AttributeValue{}}}}}},
			"big": {S: str(strings.Repeat("y", 40000))},
		}
		if i%3 == 0 {
			delete(item, "g")
		}
		if _, err := s.PutItem(ctx, &api.PutItemInput{TableName: str("wire"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	return s, ctx
}

// checkWire compares the wire output's encoding with that of the
// generated output through the tree, twice (the second time from the
// records' cached encodings).
func checkWire(t *testing.T, name string, wire, typed any, r *model.Ref) {
	t.Helper()
	want := awsjson.Append(nil, protocol.Unbind(typed), r)
	for pass := 0; pass < 2; pass++ {
		if got := awsjson.AppendTyped(nil, wire, r); !bytes.Equal(got, want) {
			t.Fatalf("%s (pass %d):\nwire  %.600s\ntyped %.600s", name, pass, got, want)
		}
	}
}

// TestWireOutputs checks that GetItem, Query and Scan encode the same
// through their wire outputs as through their generated outputs, for
// whole items, projections, index projections, COUNT, pages and consumed
// capacity.
func TestWireOutputs(t *testing.T) {
	s, ctx := wireTestService(t)
	m := model.MustLoad("dynamodb")
	str := func(v string) *string { return &v }
	vals := map[string]api.AttributeValue{":p": {S: str("p")}}
	queries := map[string]*api.QueryInput{
		"whole":      {KeyConditionExpression: str("pk = :p")},
		"backward":   {KeyConditionExpression: str("pk = :p"), ScanIndexForward: ptr(false), Limit: ptr(int32(7))},
		"projection": {KeyConditionExpression: str("pk = :p"), ProjectionExpression: str("s, m.l[1], absent")},
		"filter":     {KeyConditionExpression: str("pk = :p"), FilterExpression: str("attribute_exists(g)"), ReturnConsumedCapacity: str("INDEXES")},
		"count":      {KeyConditionExpression: str("pk = :p"), Select: str("COUNT"), ReturnConsumedCapacity: str("TOTAL")},
		"lsi":        {KeyConditionExpression: str("pk = :p"), IndexName: str("l")},
		"lsi all":    {KeyConditionExpression: str("pk = :p"), IndexName: str("l"), Select: str("ALL_ATTRIBUTES"), Limit: ptr(int32(3))},
		"gsi":        {KeyConditionExpression: str("g = :g"), IndexName: str("g"), ExpressionAttributeValues: map[string]api.AttributeValue{":g": {S: str("G")}}},
		"none":       {KeyConditionExpression: str("pk = :q"), ExpressionAttributeValues: map[string]api.AttributeValue{":q": {S: str("nothing")}}},
	}
	projected := map[string]string{"projection": " s m ", "lsi": " pk sk lsk s ", "gsi": " pk sk g "}
	for name, in := range queries {
		in.TableName = str("wire")
		if in.ExpressionAttributeValues == nil {
			in.ExpressionAttributeValues = vals
		}
		r, err := s.query(ctx, in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		typed, err := s.Query(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if name == "whole" && (len(typed.Items) >= 30 || typed.LastEvaluatedKey == nil) {
			t.Fatalf("whole: %d items, LastEvaluatedKey %v (the 1 MB page should end early)", len(typed.Items), typed.LastEvaluatedKey)
		}
		if allowed := projected[name]; allowed != "" {
			for _, item := range typed.Items {
				for k := range item {
					if !strings.Contains(allowed, " "+k+" ") {
						t.Fatalf("%s: item has %s, want only%s", name, k, allowed)
					}
				}
			}
		}
		checkWire(t, "Query "+name, r.wire(), typed, m.Operations["Query"].Output)
	}
	for name, in := range map[string]*api.ScanInput{
		"whole":      {},
		"segment":    {Segment: ptr(int32(1)), TotalSegments: ptr(int32(2)), Limit: ptr(int32(4))},
		"projection": {ProjectionExpression: str("pk, sk, #b"), ExpressionAttributeNames: map[string]string{"#b": "b"}},
		"gsi":        {IndexName: str("g"), ReturnConsumedCapacity: str("TOTAL")},
	} {
		in.TableName = str("wire")
		r, err := s.scan(ctx, in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		typed, err := s.Scan(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		checkWire(t, "Scan "+name, r.wire(), typed, m.Operations["Scan"].Output)
	}
	for name, in := range map[string]*api.GetItemInput{
		"whole":      {Key: map[string]api.AttributeValue{"pk": {S: str("p")}, "sk": {N: str("4")}}},
		"projection": {Key: map[string]api.AttributeValue{"pk": {S: str("p")}, "sk": {N: str("4")}}, ProjectionExpression: str("ns, bs")},
		"nothing":    {Key: map[string]api.AttributeValue{"pk": {S: str("p")}, "sk": {N: str("4")}}, ProjectionExpression: str("absent")},
		"missing":    {Key: map[string]api.AttributeValue{"pk": {S: str("p")}, "sk": {N: str("400")}}, ReturnConsumedCapacity: str("TOTAL")},
	} {
		in.TableName = str("wire")
		wire, err := s.getItem(ctx, in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		typed, err := s.GetItem(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		checkWire(t, "GetItem "+name, wire, typed, m.Operations["GetItem"].Output)
	}
}

// TestWireEncodingFollowsWrites checks that a replaced item is never
// answered with the old item's cached encoding.
func TestWireEncodingFollowsWrites(t *testing.T) {
	s, ctx := wireTestService(t)
	r := model.MustLoad("dynamodb").Operations["GetItem"].Output
	str := func(v string) *string { return &v }
	key := func() map[string]api.AttributeValue {
		return map[string]api.AttributeValue{"pk": {S: str("p")}, "sk": {N: str("5")}}
	}
	get := func() string {
		wire, err := s.getItem(ctx, &api.GetItemInput{TableName: str("wire"), Key: key()})
		if err != nil {
			t.Fatal(err)
		}
		return string(awsjson.AppendTyped(nil, wire, r))
	}
	if got := get(); !strings.Contains(got, `"n":{"N":"-12.5"}`) {
		t.Fatalf("before: %.300s", got)
	}
	if _, err := s.UpdateItem(ctx, &api.UpdateItemInput{TableName: str("wire"), Key: key(), UpdateExpression: str("SET n = :n"),
		ExpressionAttributeValues: map[string]api.AttributeValue{":n": {N: str("7")}}}); err != nil {
		t.Fatal(err)
	}
	if got := get(); !strings.Contains(got, `"n":{"N":"7"}`) {
		t.Fatalf("after UpdateItem: %.300s", got)
	}
	if _, err := s.PutItem(ctx, &api.PutItemInput{TableName: str("wire"), Item: map[string]api.AttributeValue{"pk": {S: str("p")}, "sk": {N: str("5")}, "only": {BOOL: ptr(true)}}}); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != `{"Item":{"only":{"BOOL":true},"pk":{"S":"p"},"sk":{"N":"5"}}}` {
		t.Fatalf("after PutItem: %s", got)
	}
	if _, err := s.DeleteItem(ctx, &api.DeleteItemInput{TableName: str("wire"), Key: key()}); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != `{}` {
		t.Fatalf("after DeleteItem: %s", got)
	}
}

// TestReadsDuringUpdates encodes items while UpdateItem replaces one of
// them with a new item that shares its untouched nested map: the update
// must never write into the shared map (which the readers iterate
// without the table lock), and every read must see a whole item. Under
// -race this also checks the absence of data races.
func TestReadsDuringUpdates(t *testing.T) {
	s, ctx := wireTestService(t)
	str := func(v string) *string { return &v }
	out := model.MustLoad("dynamodb").Operations["Query"].Output
	done := make(chan struct{})
	errs := make(chan error, 4)
	for g := 0; g < 3; g++ {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				typed, err := s.Query(ctx, &api.QueryInput{TableName: str("wire"), KeyConditionExpression: str("pk = :p"), Limit: ptr(int32(5)),
					ExpressionAttributeValues: map[string]api.AttributeValue{":p": {S: str("p")}}})
				if err != nil {
					errs <- err
					return
				}
				if b := awsjson.AppendTyped(nil, typed, out); !bytes.Contains(b, []byte(`"m":{"M":{"a":{"BOOL":false},"l":{"L":[{"S":"x"},{"M":{}}]},"z":{"NULL":true}}}`)) {
					errs <- fmt.Errorf("item without its nested map: %.300s", b)
					return
				}
			}
		}()
	}
	for i := 0; i < 300; i++ {
		if _, err := s.UpdateItem(ctx, &api.UpdateItemInput{TableName: str("wire"), Key: map[string]api.AttributeValue{"pk": {S: str("p")}, "sk": {N: str("3")}},
			UpdateExpression: str("ADD n :one"), ExpressionAttributeValues: map[string]api.AttributeValue{":one": {N: str("1")}}}); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for g := 0; g < 3; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
