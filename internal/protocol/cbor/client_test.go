package cbor_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	smithy "github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/cbor"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// TestCloudWatchClient calls CloudWatch through the codec with
// aws-sdk-go-v2 (rpcv2Cbor by default): the decoded trees must hold what
// the client sent, compressed or not, and the client must read back
// timestamps, nested lists and the query-compatible error codes.
func TestCloudWatchClient(t *testing.T) {
	m := model.MustLoad("cloudwatch")
	when := time.Date(2024, 3, 1, 12, 30, 15, 250e6, time.UTC)
	var got []string
	srv := wiretest.Server(t, cbor.Codec{}, m, func(c *protocol.Call, in map[string]any) (map[string]any, error) {
		got = append(got, c.Operation.Name+" "+c.Request.Header.Get("Content-Encoding")+" "+strings.TrimSpace(wiretest.Dump(in)))
		switch c.Operation.Name {
		case "PutMetricData":
			return nil, nil
		case "GetMetricData":
			return map[string]any{
				"MetricDataResults": []any{map[string]any{
					"Id":         "m1",
					"Label":      "Latency",
					"StatusCode": "Complete",
					"Timestamps": []any{when, when.Add(-time.Minute).Truncate(time.Second)},
					"Values":     []any{12.5, math.Inf(1)},
				}},
				"Messages":  []any{map[string]any{"Code": "Info", "Value": "ok"}},
				"NextToken": "t-2",
			}, nil
		case "GetDashboard":
			return nil, &awserr.Error{Code: "ResourceNotFound", Message: "Dashboard missing does not exist", Status: 404, Sender: true}
		case "DeleteDashboards":
			return nil, &awserr.Error{Code: "InvalidParameterValueException", QueryCode: "InvalidParameterValue",
				Message: "bad name", Status: 400, Sender: true}
		case "ListDashboards":
			return nil, &awserr.Error{Code: "ThrottlingException", QueryCode: "Throttling", Message: "Rate exceeded", Status: 400, Sender: true}
		}
		return nil, awserr.NotImplemented("CloudWatch", c.Operation.Name)
	})
	client := cloudwatch.NewFromConfig(wiretest.SDKConfig(srv))
	ctx := context.Background()

	input := &cloudwatch.PutMetricDataInput{Namespace: aws.String("App/Orders"), MetricData: []cwtypes.MetricDatum{{
		MetricName: aws.String("Latency"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("Service"), Value: aws.String("checkout")}},
		Timestamp:  aws.Time(when),
		Values:     []float64{1, 2.5},
		Counts:     []float64{3, 1},
		Unit:       cwtypes.StandardUnitMilliseconds,
	}}}
	if _, err := client.PutMetricData(ctx, input); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutMetricData(ctx, input, func(o *cloudwatch.Options) { o.DisableRequestCompression = true }); err != nil {
		t.Fatal(err)
	}

	out, err := client.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(when.Add(-time.Hour)), EndTime: aws.Time(when), MaxDatapoints: aws.Int32(10),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("m1"), Expression: aws.String("SEARCH('x', 'Sum', 60)")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricDataResults) != 1 || aws.ToString(out.NextToken) != "t-2" || len(out.Messages) != 1 {
		t.Fatalf("GetMetricData = %+v", out)
	}
	r := out.MetricDataResults[0]
	if len(r.Timestamps) != 2 || !r.Timestamps[0].Equal(when) || !r.Timestamps[1].Equal(when.Add(-time.Minute).Truncate(time.Second)) ||
		len(r.Values) != 2 || r.Values[0] != 12.5 || !math.IsInf(r.Values[1], 1) || r.StatusCode != cwtypes.StatusCodeComplete {
		t.Errorf("MetricDataResult = %+v", r)
	}

	_, err = client.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String("missing")})
	var notFound *cwtypes.ResourceNotFound
	if !errors.As(err, &notFound) || notFound.ErrorMessage() != "Dashboard missing does not exist" {
		t.Errorf("GetDashboard error = %v", err)
	}

	_, err = client.DeleteDashboards(ctx, &cloudwatch.DeleteDashboardsInput{DashboardNames: []string{"x"}})
	var invalid *cwtypes.InvalidParameterValueException
	if !errors.As(err, &invalid) || invalid.ErrorCode() != "InvalidParameterValue" || invalid.ErrorMessage() != "bad name" {
		t.Errorf("DeleteDashboards error = %v", err)
	}

	_, err = client.ListDashboards(ctx, &cloudwatch.ListDashboardsInput{})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "Throttling" || api.ErrorFault() != smithy.FaultClient {
		t.Errorf("ListDashboards error = %v", err)
	}

	put := `{
  "MetricData": [
    {
      "Counts": [
        3.0,
        1.0
      ],
      "Dimensions": [
        {
          "Name": "Service",
          "Value": "checkout"
        }
      ],
      "MetricName": "Latency",
      "Timestamp": {
        "$time": "2024-03-01T12:30:15.25Z"
      },
      "Unit": "Milliseconds",
      "Values": [
        1.0,
        2.5
      ]
    }
  ],
  "Namespace": "App/Orders"
}`
	want := []string{
		"PutMetricData gzip " + put,
		"PutMetricData  " + put,
		`GetMetricData  {
  "EndTime": {
    "$time": "2024-03-01T12:30:15.25Z"
  },
  "MaxDatapoints": 10,
  "MetricDataQueries": [
    {
      "Expression": "SEARCH('x', 'Sum', 60)",
      "Id": "m1"
    }
  ],
  "StartTime": {
    "$time": "2024-03-01T11:30:15.25Z"
  }
}`,
		`GetDashboard  {
  "DashboardName": "missing"
}`,
		`DeleteDashboards  {
  "DashboardNames": [
    "x"
  ]
}`,
		`ListDashboards  {}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("decoded inputs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
