package validate

import (
	"strings"
	"testing"

	"github.com/virga-aws/virga/internal/model"
)

func TestCheckSTSAssumeRole(t *testing.T) {
	m := model.MustLoad("sts")
	in := m.Operations["AssumeRole"].Input.Shape
	tests := []struct {
		name string
		tree map[string]any
		want []string // "kind path"
	}{
		{"valid", map[string]any{"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "ok-name"}, nil},
		{"missing required", map[string]any{"RoleSessionName": "ok"}, []string{"required roleArn"}},
		{"pattern is whole-value", map[string]any{"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "has space"}, []string{"pattern roleSessionName"}},
		{"length", map[string]any{"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "x"}, []string{"length roleSessionName"}},
		{"range", map[string]any{"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "ok", "DurationSeconds": int64(10)}, []string{"range durationSeconds"}},
		{"list member path", map[string]any{"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "ok", "Tags": []any{map[string]any{"Key": "k"}}}, []string{"required tags.member.1.value"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(in, tc.tree, Options{})
			var kinds []string
			for _, v := range got {
				kinds = append(kinds, v.Kind+" "+v.Path)
			}
			if strings.Join(kinds, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Check = %v, want %v", kinds, tc.want)
			}
		})
	}
}

func TestSummaryWording(t *testing.T) {
	vs := []Violation{{Path: "queueName", Kind: "required", Constraint: "Member must not be null"}}
	want := "1 validation error detected: Value null at 'queueName' failed to satisfy constraint: Member must not be null"
	if got := Summary(vs); got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	vs = append(vs, Violation{Path: "n", Value: int64(5), Constraint: "Member must have value less than or equal to 1"})
	if got := Summary(vs); !strings.HasPrefix(got, "2 validation errors detected: ") || !strings.Contains(got, "Value '5' at 'n'") {
		t.Errorf("Summary = %q", got)
	}
}
