package ec2query

import (
	"net/http"
	"testing"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/query/querytest"
)

// discardWriter is a ResponseWriter that keeps headers and drops the body.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkEncodeDescribeInstances encodes a ten-instance
// DescribeInstances response.
func BenchmarkEncodeDescribeInstances(b *testing.B) {
	m := model.MustLoad("ec2")
	instance := `{"InstanceId": "i-1234567890abcdef0", "ImageId": "ami-bff32ccc", "InstanceType": "t2.micro",
		"State": {"Code": 16, "Name": "running"}, "LaunchTime": {"$timestamp": "2016-08-31T23:59:58Z"},
		"Placement": {"AvailabilityZone": "us-east-1b", "Tenancy": "default"}, "PrivateIpAddress": "192.168.1.88",
		"SecurityGroups": [{"GroupId": "sg-e4076980", "GroupName": "SecurityGroup1"}],
		"Tags": [{"Key": "Name", "Value": "web"}, {"Key": "env", "Value": "prod"}]}`
	tree, err := querytest.ParseTree(`{"Reservations": [{"ReservationId": "r-1", "OwnerId": "123456789012", "Instances": [` +
		instance + "," + instance + "," + instance + "," + instance + "," + instance + "," +
		instance + "," + instance + "," + instance + "," + instance + "," + instance + `]}]}`)
	if err != nil {
		b.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodPost, "http://localhost:4566/", nil)
	c := &protocol.Call{Model: m, Operation: m.Operations["DescribeInstances"], Request: r, RequestID: "59dbff89-35bd-4eac-99ed-be587EXAMPLE"}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		if err := (Codec{}).EncodeResponse(w, c, tree); err != nil {
			b.Fatal(err)
		}
	}
}
