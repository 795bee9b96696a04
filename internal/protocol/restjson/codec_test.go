package restjson_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/restjson"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

func TestGolden(t *testing.T) {
	wiretest.Run(t, "testdata", restjson.Codec{})
}

// TestLambdaClient calls Lambda through the codec with aws-sdk-go-v2: the
// decoded trees must hold what the client sent and the client must read
// the outputs, status codes, header members and errors back.
func TestLambdaClient(t *testing.T) {
	m := model.MustLoad("lambda")
	var got []string
	srv := wiretest.Server(t, restjson.Codec{}, m, func(c *protocol.Call, in map[string]any) (map[string]any, error) {
		got = append(got, c.Operation.Name+" "+strings.TrimSpace(wiretest.Dump(in)))
		switch c.Operation.Name {
		case "GetFunction":
			if in["FunctionName"] == "missing" {
				return nil, awserr.New("ResourceNotFoundException", 404, "Function not found: missing").With("Type", "User")
			}
			return map[string]any{
				"Configuration": map[string]any{"FunctionName": in["FunctionName"], "Timeout": int64(30), "CodeSize": int64(1 << 40),
					"Environment": map[string]any{"Variables": map[string]any{"A": "1"}}},
				"Tags": map[string]any{"team": "core"},
			}, nil
		case "Invoke":
			if in["InvocationType"] == "Event" {
				return map[string]any{"StatusCode": int64(202)}, nil
			}
			if in["FunctionName"] == "throttled" {
				return nil, awserr.New("TooManyRequestsException", 429, "Rate Exceeded.").
					With("Type", "User").With("retryAfterSeconds", "7").With("Reason", "CallerRateLimitExceeded")
			}
			return map[string]any{
				"StatusCode":      int64(200),
				"FunctionError":   "Unhandled",
				"LogResult":       "bG9n",
				"ExecutedVersion": "$LATEST",
				"Payload":         append([]byte("echo:"), in["Payload"].([]byte)...),
			}, nil
		case "CreateFunction":
			return map[string]any{"FunctionName": in["FunctionName"], "Version": "1", "MemorySize": in["MemorySize"]}, nil
		}
		return nil, awserr.NotImplemented("Lambda", c.Operation.Name)
	})
	client := lambda.NewFromConfig(wiretest.SDKConfig(srv))
	ctx := context.Background()

	fn, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:000000000000:function:f"), Qualifier: aws.String("$LATEST")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(fn.Configuration.FunctionName) != "arn:aws:lambda:us-east-1:000000000000:function:f" ||
		aws.ToInt32(fn.Configuration.Timeout) != 30 || fn.Configuration.CodeSize != 1<<40 ||
		fn.Configuration.Environment.Variables["A"] != "1" || fn.Tags["team"] != "core" {
		t.Errorf("GetFunction = %+v", fn.Configuration)
	}

	inv, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f"), Payload: []byte(`{"a":1}`),
		LogType: ltypes.LogTypeTail, ClientContext: aws.String("e30=")})
	if err != nil {
		t.Fatal(err)
	}
	if inv.StatusCode != 200 || aws.ToString(inv.FunctionError) != "Unhandled" || aws.ToString(inv.LogResult) != "bG9n" ||
		aws.ToString(inv.ExecutedVersion) != "$LATEST" || string(inv.Payload) != `echo:{"a":1}` {
		t.Errorf("Invoke = status %d error %q log %q version %q payload %q", inv.StatusCode,
			aws.ToString(inv.FunctionError), aws.ToString(inv.LogResult), aws.ToString(inv.ExecutedVersion), inv.Payload)
	}

	async, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f"), InvocationType: ltypes.InvocationTypeEvent})
	if err != nil {
		t.Fatal(err)
	}
	if async.StatusCode != 202 || len(async.Payload) != 0 {
		t.Errorf("Event Invoke = status %d payload %q", async.StatusCode, async.Payload)
	}

	created, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("f"),
		Role: aws.String("arn:aws:iam::000000000000:role/r"), Code: &ltypes.FunctionCode{ZipFile: []byte{0x50, 0x4b, 0, 0xff}},
		MemorySize: aws.Int32(512), Environment: &ltypes.Environment{Variables: map[string]string{"K": "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.Version) != "1" || aws.ToInt32(created.MemorySize) != 512 {
		t.Errorf("CreateFunction = %+v", created)
	}

	_, err = client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("missing")})
	var notFound *ltypes.ResourceNotFoundException
	if !errors.As(err, &notFound) || aws.ToString(notFound.Type) != "User" || notFound.ErrorMessage() != "Function not found: missing" {
		t.Errorf("GetFunction(missing) error = %v", err)
	}

	_, err = client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("throttled")})
	var throttled *ltypes.TooManyRequestsException
	if !errors.As(err, &throttled) || aws.ToString(throttled.RetryAfterSeconds) != "7" ||
		throttled.Reason != ltypes.ThrottleReasonCallerRateLimitExceeded || throttled.ErrorMessage() != "Rate Exceeded." {
		t.Errorf("Invoke(throttled) error = %v", err)
	}

	want := []string{
		`GetFunction {
  "FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:f",
  "Qualifier": "$LATEST"
}`,
		`Invoke {
  "ClientContext": "e30=",
  "FunctionName": "f",
  "LogType": "Tail",
  "Payload": {
    "$blob": "eyJhIjoxfQ=="
  }
}`,
		`Invoke {
  "FunctionName": "f",
  "InvocationType": "Event"
}`,
		`CreateFunction {
  "Code": {
    "ZipFile": {
      "$blob": "UEsA/w=="
    }
  },
  "Environment": {
    "Variables": {
      "K": "v"
    }
  },
  "FunctionName": "f",
  "MemorySize": 512,
  "Role": "arn:aws:iam::000000000000:role/r"
}`,
		`GetFunction {
  "FunctionName": "missing"
}`,
		`Invoke {
  "FunctionName": "throttled"
}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("decoded inputs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
