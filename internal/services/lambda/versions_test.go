package lambda

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/virga-aws/virga/internal/server"
)

const fnARN = "arn:aws:lambda:us-east-1:000000000000:function:"

// invokeEnv invokes the Go function's env action on a qualifier and
// returns its environment and the executed version.
func (e *env) invokeEnv(t *testing.T, name, qualifier string) (map[string]string, string) {
	t.Helper()
	in := &awslambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(`{"action":"env"}`)}
	if qualifier != "" {
		in.Qualifier = aws.String(qualifier)
	}
	out, err := e.client.Invoke(context.Background(), in)
	if err != nil {
		t.Fatalf("Invoke %s:%s: %v", name, qualifier, err)
	}
	var m map[string]string
	if err := json.Unmarshal(out.Payload, &m); err != nil {
		t.Fatalf("Invoke %s:%s: %s", name, qualifier, out.Payload)
	}
	return m, aws.ToString(out.ExecutedVersion)
}

// mustFail asserts err is the API error code with exactly message.
func mustFail(t *testing.T, err error, code, message string) {
	t.Helper()
	if ae := apiError(t, err, code); ae.ErrorMessage() != message {
		t.Fatalf("%s message %q, want %q", code, ae.ErrorMessage(), message)
	}
}

func TestVersions(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	ctx := context.Background()
	created := e.create(t, "ver", "provided.al2023", "bootstrap", goZip(t), func(in *awslambda.CreateFunctionInput) {
		in.Environment = &types.Environment{Variables: map[string]string{"STAGE": "one"}}
		in.Description = aws.String("first")
	})
	before, err := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("ver")})
	if err != nil {
		t.Fatal(err)
	}

	// Preconditions.
	_, err = e.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("ver"), CodeSha256: aws.String("abc")})
	mustFail(t, err, "InvalidParameterValueException", "CodeSHA256 (abc) is different from current CodeSHA256 in $LATEST ("+*created.CodeSha256+"). Please try again with the CodeSHA256 in $LATEST.")
	_, err = e.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("ver"), RevisionId: aws.String("stale")})
	mustFail(t, err, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")

	v1, err := e.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("ver"),
		CodeSha256: created.CodeSha256, RevisionId: before.Configuration.RevisionId, Description: aws.String("release one")})
	if err != nil {
		t.Fatal(err)
	}
	if *v1.Version != "1" || *v1.FunctionArn != fnARN+"ver:1" || v1.State != types.StatePending || v1.LastUpdateStatus != "" ||
		*v1.Description != "release one" || *v1.CodeSha256 != *created.CodeSha256 || *v1.RevisionId == *before.Configuration.RevisionId {
		t.Fatalf("PublishVersion %+v", v1)
	}
	// Publishing changes $LATEST's RevisionId; nothing else changed, so
	// publishing again answers version 1.
	after, _ := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("ver")})
	if *after.Configuration.RevisionId == *before.Configuration.RevisionId {
		t.Error("publish kept $LATEST's RevisionId")
	}
	again, err := e.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("ver")})
	if err != nil || *again.Version != "1" || *again.RevisionId != *v1.RevisionId || again.State != types.StateActive {
		t.Fatalf("publish without change: %+v %v", again, err)
	}

	if _, err := e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("ver"),
		Environment: &types.Environment{Variables: map[string]string{"STAGE": "two"}}}); err != nil {
		t.Fatal(err)
	}
	v2, err := e.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("ver")})
	if err != nil || *v2.Version != "2" || *v2.Description != "first" || v2.Environment.Variables["STAGE"] != "two" {
		t.Fatalf("second publish %+v %v", v2, err)
	}
	// UpdateFunctionCode with Publish answers the new version.
	newZip := makeZip(t, file{name: "bootstrap", body: goBootstrap, exec: true}, file{name: "v3.txt", body: []byte("3")})
	v3, err := e.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: aws.String("ver"), ZipFile: newZip, Publish: true})
	if err != nil || *v3.Version != "3" || *v3.FunctionArn != fnARN+"ver:3" || *v3.CodeSha256 == *created.CodeSha256 {
		t.Fatalf("UpdateFunctionCode Publish %+v %v", v3, err)
	}
	if _, err := e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("ver"),
		Environment: &types.Environment{Variables: map[string]string{"STAGE": "latest"}}}); err != nil {
		t.Fatal(err)
	}

	// Versions are immutable snapshots: each runs its own configuration.
	for _, c := range []struct{ q, stage, version, arn string }{
		{"1", "one", "1", fnARN + "ver:1"},
		{"2", "two", "2", fnARN + "ver:2"},
		{"$LATEST", "latest", "$LATEST", fnARN + "ver:$LATEST"},
		{"", "latest", "$LATEST", fnARN + "ver"},
	} {
		env, executed := e.invokeEnv(t, "ver", c.q)
		if env["STAGE"] != c.stage || env["AWS_LAMBDA_FUNCTION_VERSION"] != c.version || executed != c.version || env["functionArn"] != c.arn {
			t.Errorf("qualifier %q: STAGE=%s version=%s executed=%s arn=%s", c.q, env["STAGE"], env["AWS_LAMBDA_FUNCTION_VERSION"], executed, env["functionArn"])
		}
	}

	conf, err := e.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("ver"), Qualifier: aws.String("1")})
	if err != nil || *conf.Version != "1" || *conf.FunctionArn != fnARN+"ver:1" || conf.LastUpdateStatus != "" || conf.State != types.StateActive ||
		conf.Environment.Variables["STAGE"] != "one" {
		t.Fatalf("GetFunctionConfiguration :1 %+v %v", conf, err)
	}
	got, err := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("ver:$LATEST")})
	if err != nil || *got.Configuration.FunctionArn != fnARN+"ver:$LATEST" || got.Configuration.LastUpdateStatus != types.LastUpdateStatusSuccessful {
		t.Fatalf("GetFunction ver:$LATEST %+v %v", got, err)
	}
	_, err = e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("ver"), Qualifier: aws.String("9")})
	mustFail(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"ver:9")
	_, err = e.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("ver"), Qualifier: aws.String("nope")})
	mustFail(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"ver:nope")
	_, err = e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("ver"), Qualifier: aws.String("9")})
	mustFail(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"ver:9")
	_, err = e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("ver:1"), Qualifier: aws.String("2")})
	mustFail(t, err, "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.")

	// ListVersionsByFunction pages through $LATEST and the versions.
	page, err := e.client.ListVersionsByFunction(ctx, &awslambda.ListVersionsByFunctionInput{FunctionName: aws.String("ver"), MaxItems: aws.Int32(3)})
	if err != nil || len(page.Versions) != 3 || page.NextMarker == nil {
		t.Fatalf("first page %+v %v", page, err)
	}
	rest, err := e.client.ListVersionsByFunction(ctx, &awslambda.ListVersionsByFunctionInput{FunctionName: aws.String("ver"), Marker: page.NextMarker})
	if err != nil || len(rest.Versions) != 1 || rest.NextMarker != nil {
		t.Fatalf("second page %+v %v", rest, err)
	}
	var arns []string
	for _, v := range append(page.Versions, rest.Versions...) {
		arns = append(arns, *v.FunctionArn)
		if v.State != "" || v.LastUpdateStatus != "" {
			t.Errorf("list item with state %+v", v)
		}
	}
	if want := []string{fnARN + "ver:$LATEST", fnARN + "ver:1", fnARN + "ver:2", fnARN + "ver:3"}; !equal(arns, want) {
		t.Fatalf("versions %v, want %v", arns, want)
	}
	_, err = e.client.ListVersionsByFunction(ctx, &awslambda.ListVersionsByFunctionInput{FunctionName: aws.String("nosuch")})
	mustFail(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"nosuch")

	// Deleting versions; numbers are never reused.
	_, err = e.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("ver"), Qualifier: aws.String("$LATEST")})
	mustFail(t, err, "InvalidParameterValueException", "$LATEST version cannot be deleted without deleting the function.")
	_, err = e.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("ver"), Qualifier: aws.String("prod")})
	mustFail(t, err, "InvalidParameterValueException", "Deletion of aliases is not currently supported.")
	for _, q := range []string{"3", "42"} {
		if _, err := e.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("ver"), Qualifier: aws.String(q)}); err != nil {
			t.Fatalf("delete version %s: %v", q, err)
		}
	}
	_, err = e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("ver"), Qualifier: aws.String("3")})
	mustFail(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"ver:3")
	v4, err := e.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("ver")})
	if err != nil || *v4.Version != "4" {
		t.Fatalf("publish after delete %+v %v", v4, err)
	}
	if env, _ := e.invokeEnv(t, "ver", "1"); env["STAGE"] != "one" {
		t.Errorf("version 1 after deletes runs STAGE=%s", env["STAGE"])
	}

	// CreateFunction with Publish answers version 1 under the function's ARN.
	pub := e.create(t, "pub", "provided.al2023", "bootstrap", makeZip(t, file{name: "bootstrap", body: []byte("#!/bin/sh\n"), exec: true}), func(in *awslambda.CreateFunctionInput) {
		in.Publish = true
	})
	if *pub.Version != "1" || *pub.FunctionArn != fnARN+"pub" || pub.State != types.StatePending {
		t.Fatalf("CreateFunction Publish %+v", pub)
	}
	all, err := e.client.ListFunctions(ctx, &awslambda.ListFunctionsInput{FunctionVersion: types.FunctionVersionAll})
	if err != nil {
		t.Fatal(err)
	}
	arns = nil
	for _, f := range all.Functions {
		arns = append(arns, *f.FunctionArn)
	}
	if want := []string{fnARN + "pub:$LATEST", fnARN + "pub:1", fnARN + "ver:$LATEST", fnARN + "ver:1", fnARN + "ver:2", fnARN + "ver:4"}; !equal(arns, want) {
		t.Fatalf("ListFunctions ALL %v, want %v", arns, want)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
