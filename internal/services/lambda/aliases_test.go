package lambda

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/virga-aws/virga/internal/server"
)

// twoVersions creates a Go function with versions 1 and 2, whose STAGE
// variables are "one" and "two".
func (e *env) twoVersions(t *testing.T, name string, mod ...func(*awslambda.CreateFunctionInput)) {
	t.Helper()
	ctx := context.Background()
	e.create(t, name, "provided.al2023", "bootstrap", goZip(t), append([]func(*awslambda.CreateFunctionInput){func(in *awslambda.CreateFunctionInput) {
		in.Environment = &types.Environment{Variables: map[string]string{"STAGE": "one"}}
		in.Publish = true
	}}, mod...)...)
	if _, err := e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(name),
		Environment: &types.Environment{Variables: map[string]string{"STAGE": "two"}}}); err != nil {
		t.Fatal(err)
	}
	if v, err := e.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String(name)}); err != nil || *v.Version != "2" {
		t.Fatalf("publish 2: %v %v", v, err)
	}
}

func TestAliases(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	ctx := context.Background()
	e.twoVersions(t, "al")
	aliasARN := fnARN + "al:live"

	live, err := e.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"), FunctionVersion: aws.String("1")})
	if err != nil {
		t.Fatal(err)
	}
	if *live.AliasArn != aliasARN || *live.FunctionVersion != "1" || *live.Description != "" || *live.RevisionId == "" || live.RoutingConfig != nil {
		t.Fatalf("CreateAlias %+v", live)
	}
	create := func(name, version string, weights map[string]float64) error {
		in := &awslambda.CreateAliasInput{FunctionName: aws.String("al"), Name: aws.String(name), FunctionVersion: aws.String(version)}
		if weights != nil {
			in.RoutingConfig = &types.AliasRoutingConfiguration{AdditionalVersionWeights: weights}
		}
		_, err := e.client.CreateAlias(ctx, in)
		return err
	}
	mustFail(t, create("live", "2", nil), "ResourceConflictException", "Alias already exists: "+aliasARN)
	mustFail(t, create("123", "1", nil), "ValidationException",
		"1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
	mustFail(t, create("bad.name", "1", nil), "ValidationException",
		"1 validation error detected: Value 'bad.name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
	mustFail(t, create("x", "9", nil), "ResourceNotFoundException", "Function not found: "+fnARN+"al:9")
	mustFail(t, create("x", "$LATEST", map[string]float64{"1": 0.5}), "InvalidParameterValueException", "$LATEST is not supported for an alias pointing to more than 1 version")
	mustFail(t, create("x", "1", map[string]float64{"2": 0.1, "3": 0.1}), "InvalidParameterValueException", "Number of items in AdditionalVersionWeights cannot be greater than 1")
	mustFail(t, create("x", "1", map[string]float64{"1": 0.5}), "InvalidParameterValueException", "Invalid function version 1. Function version 1 is already included in routing configuration.")
	mustFail(t, create("x", "1", map[string]float64{"7": 0.5}), "ResourceNotFoundException", "Function not found: "+fnARN+"al:7")
	for _, w := range []float64{1.5, 1} {
		mustFail(t, create("x", "1", map[string]float64{"2": w}), "ValidationException",
			"1 validation error detected: Value '{2="+javaDouble(w)+"}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")
	}
	mustFail(t, create("x", "1", map[string]float64{"v2": 0.5}), "ValidationException",
		"1 validation error detected: Value '{v2=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]")

	_, err = e.client.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String("al"), Name: aws.String("missing")})
	mustFail(t, err, "ResourceNotFoundException", "Cannot find alias arn: "+fnARN+"al:missing")
	_, err = e.client.UpdateAlias(ctx, &awslambda.UpdateAliasInput{FunctionName: aws.String("al"), Name: aws.String("missing"), FunctionVersion: aws.String("2")})
	mustFail(t, err, "ResourceNotFoundException", "Cannot find alias arn: "+fnARN+"al:missing")
	_, err = e.client.UpdateAlias(ctx, &awslambda.UpdateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"), RevisionId: aws.String("stale")})
	mustFail(t, err, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")

	// Weighted routing: half the invocations of live run version 2.
	up, err := e.client.UpdateAlias(ctx, &awslambda.UpdateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"),
		RevisionId: live.RevisionId, Description: aws.String("canary"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.5}}})
	if err != nil {
		t.Fatal(err)
	}
	if *up.RevisionId == *live.RevisionId || *up.Description != "canary" || up.RoutingConfig.AdditionalVersionWeights["2"] != 0.5 {
		t.Fatalf("UpdateAlias %+v", up)
	}
	ran := map[string]int{}
	for range 24 {
		env, executed := e.invokeEnv(t, "al", "live")
		want := map[string]string{"1": "one", "2": "two"}[executed]
		if env["STAGE"] != want || env["AWS_LAMBDA_FUNCTION_VERSION"] != executed || env["functionArn"] != aliasARN {
			t.Fatalf("executed %s ran STAGE=%s version=%s arn=%s", executed, env["STAGE"], env["AWS_LAMBDA_FUNCTION_VERSION"], env["functionArn"])
		}
		ran[executed]++
	}
	if ran["1"] == 0 || ran["2"] == 0 {
		t.Fatalf("weighted routing ran %v", ran)
	}
	got, err := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("al"), Qualifier: aws.String("live")})
	if err != nil || *got.Configuration.FunctionArn != aliasARN || *got.Configuration.Version != "1" {
		t.Fatalf("GetFunction :live %+v %v", got, err)
	}
	_, err = e.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("al"), Qualifier: aws.String("2")})
	mustFail(t, err, "ResourceConflictException", "Unable to delete version because the following aliases reference it: [live]")
	_, err = e.client.UpdateAlias(ctx, &awslambda.UpdateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"), FunctionVersion: aws.String("2")})
	mustFail(t, err, "InvalidParameterValueException", "Invalid function version 2. Function version 2 is already included in routing configuration.")

	// An empty routing configuration removes the routing.
	plain, err := e.client.UpdateAlias(ctx, &awslambda.UpdateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}}})
	if err != nil || plain.RoutingConfig != nil || *plain.Description != "canary" {
		t.Fatalf("UpdateAlias without routing %+v %v", plain, err)
	}
	if _, executed := e.invokeEnv(t, "al", "live"); executed != "1" {
		t.Fatalf("live ran version %s after routing was removed", executed)
	}

	for _, c := range []struct{ name, version string }{{"beta", "2"}, {"edge", "$LATEST"}} {
		if err := create(c.name, c.version, nil); err != nil {
			t.Fatal(err)
		}
	}
	list := func(in *awslambda.ListAliasesInput) []string {
		t.Helper()
		in.FunctionName = aws.String("al")
		out, err := e.client.ListAliases(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range out.Aliases {
			names = append(names, *a.Name)
		}
		if out.NextMarker != nil {
			names = append(names, "next="+*out.NextMarker)
		}
		return names
	}
	if got := list(&awslambda.ListAliasesInput{}); !equal(got, []string{"beta", "edge", "live"}) {
		t.Fatalf("ListAliases %v", got)
	}
	if got := list(&awslambda.ListAliasesInput{FunctionVersion: aws.String("2")}); !equal(got, []string{"beta"}) {
		t.Fatalf("ListAliases version 2: %v", got)
	}
	if got := list(&awslambda.ListAliasesInput{MaxItems: aws.Int32(2)}); !equal(got, []string{"beta", "edge", "next=2"}) {
		t.Fatalf("ListAliases page: %v", got)
	}
	if got := list(&awslambda.ListAliasesInput{Marker: aws.String("2")}); !equal(got, []string{"live"}) {
		t.Fatalf("ListAliases second page: %v", got)
	}

	// DeleteAlias answers 204 even when there is nothing to delete.
	for range 2 {
		if _, err := e.client.DeleteAlias(ctx, &awslambda.DeleteAliasInput{FunctionName: aws.String("al"), Name: aws.String("beta")}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.client.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String("al"), Name: aws.String("beta")})
	mustFail(t, err, "ResourceNotFoundException", "Cannot find alias arn: "+fnARN+"al:beta")
	if _, err := e.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("al"), Qualifier: aws.String("2")}); err != nil {
		t.Fatalf("deleting version 2 after its alias went: %v", err)
	}
	_, err = e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("al"), Qualifier: aws.String("beta")})
	mustFail(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"al:beta")
}
