// Package apitest lists the operations of Virga's generated service APIs
// with their model shapes, for tests that check a codec or a validator
// against every generated type.
package apitest

import (
	"reflect"
	"testing"

	"github.com/virga-aws/virga/internal/model"
	dynamodbapi "github.com/virga-aws/virga/internal/services/dynamodb/api"
	streamsapi "github.com/virga-aws/virga/internal/services/dynamodbstreams/api"
	lambdaapi "github.com/virga-aws/virga/internal/services/lambda/api"
	logsapi "github.com/virga-aws/virga/internal/services/logs/api"
	s3api "github.com/virga-aws/virga/internal/services/s3/api"
	sqsapi "github.com/virga-aws/virga/internal/services/sqs/api"
	stsapi "github.com/virga-aws/virga/internal/services/sts/api"
)

// services maps a model name to its generated Service interface.
var services = map[string]reflect.Type{
	"dynamodb":        reflect.TypeFor[dynamodbapi.Service](),
	"dynamodbstreams": reflect.TypeFor[streamsapi.Service](),
	"lambda":          reflect.TypeFor[lambdaapi.Service](),
	"logs":            reflect.TypeFor[logsapi.Service](),
	"s3":              reflect.TypeFor[s3api.Service](),
	"sqs":             reflect.TypeFor[sqsapi.Service](),
	"sts":             reflect.TypeFor[stsapi.Service](),
}

// Operation is one operation of a generated API.
type Operation struct {
	// Name is "<model>.<operation>", such as "dynamodb.PutItem".
	Name  string
	Model *model.Model
	Op    *model.Operation
	// Input and Output are the generated types the handler method takes
	// and returns (pointers to structures).
	Input, Output reflect.Type
}

// Operations returns every operation of the named models' generated APIs,
// model by model in the order given and, within one, in the Service
// interface's method order, so that an index into the result is stable.
func Operations(t testing.TB, models ...string) []Operation {
	t.Helper()
	var out []Operation
	for _, name := range models {
		svc, ok := services[name]
		if !ok {
			t.Fatalf("apitest: no generated API for %q", name)
		}
		m := model.MustLoad(name)
		for i := 0; i < svc.NumMethod(); i++ {
			meth := svc.Method(i)
			op := m.Operations[meth.Name]
			if op == nil {
				t.Fatalf("%s: no operation %s", name, meth.Name)
			}
			out = append(out, Operation{Name: name + "." + meth.Name, Model: m, Op: op, Input: meth.Type.In(1), Output: meth.Type.Out(0)})
		}
	}
	return out
}
