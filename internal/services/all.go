// Package services lists every service Virga implements, in one place:
// adding a service means adding a line here.
package services

import (
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/s3"
	"github.com/virga-aws/virga/internal/services/sqs"
	"github.com/virga-aws/virga/internal/services/sts"
)

// constructors are the implemented services, in start order.
var constructors = []func(service.Deps) (*service.Service, error){
	s3.New,
	sqs.New,
	sts.New,
}

// All constructs every implemented service.
func All(deps service.Deps) ([]*service.Service, error) {
	out := make([]*service.Service, 0, len(constructors))
	for _, c := range constructors {
		s, err := c(deps)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
