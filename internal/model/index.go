package model

// ServiceInfo is a model's routing metadata, generated into Index so the
// router never parses a model to choose a service.
type ServiceInfo struct {
	// Name is the model file name (botocore's service name).
	Name            string
	ServiceID       string
	EndpointPrefix  string
	SigningName     string
	TargetPrefix    string
	APIVersion      string
	JSONVersion     string
	Protocols       []string
	QueryCompatible bool
}

// Lookup returns the index entry of the named model.
func Lookup(name string) (ServiceInfo, bool) {
	for _, s := range Index {
		if s.Name == name {
			return s, true
		}
	}
	return ServiceInfo{}, false
}

// HasProtocol reports whether the service accepts protocol.
func (s ServiceInfo) HasProtocol(protocol string) bool {
	for _, p := range s.Protocols {
		if p == protocol {
			return true
		}
	}
	return false
}
