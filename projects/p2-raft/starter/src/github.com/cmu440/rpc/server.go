package rpc

import (
	"reflect"
	"sort"
	"strings"
	"sync"
)

// Server holds the services of one peer and counts the calls delivered to it.
type Server struct {
	mu       sync.Mutex
	services map[string]*Service
	count    int
}

// Service is an object whose RPC methods a Server offers under the object's type name.
type Service struct {
	name    string
	rcvr    reflect.Value
	methods map[string]handler
}

// handler is one method of the form func (r *T) Name(args A, reply *R).
type handler struct {
	fn        reflect.Value
	argsType  reflect.Type
	replyType reflect.Type // R, not *R
}

// MakeServer returns a server with no services.
func MakeServer() *Server {
	return &Server{services: map[string]*Service{}}
}

// AddService offers svc's methods as "<type name>.<method>".
func (rs *Server) AddService(svc *Service) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.services[svc.name] = svc
}

// GetCount returns how many calls were delivered to this server.
func (rs *Server) GetCount() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.count
}

// MakeService wraps rcvr (usually a *Raft). Its exported methods with two parameters, the second
// a pointer, and no results can be called; other methods are ignored.
func MakeService(rcvr interface{}) *Service {
	v := reflect.ValueOf(rcvr)
	svc := &Service{name: reflect.Indirect(v).Type().Name(), rcvr: v, methods: map[string]handler{}}
	t := v.Type()
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		mt := m.Type
		if !m.IsExported() || mt.NumIn() != 3 || mt.NumOut() != 0 || mt.In(2).Kind() != reflect.Ptr {
			continue
		}
		svc.methods[m.Name] = handler{fn: v.Method(i), argsType: mt.In(1), replyType: mt.In(2).Elem()}
	}
	return svc
}

func (svc *Service) methodNames() string {
	names := make([]string, 0, len(svc.methods))
	for name := range svc.methods {
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// dispatch runs one call and returns the encoded reply. A call to a service or method the server
// does not have is a mistake in the caller's code, so it stops the program with both names.
func (rs *Server) dispatch(svcMeth string, request []byte) []byte {
	dot := strings.LastIndex(svcMeth, ".")
	if dot < 0 {
		stop("Call(%q): the method must be named \"Service.Method\", for example \"Raft.RequestVote\"", svcMeth)
	}
	service, method := svcMeth[:dot], svcMeth[dot+1:]
	rs.mu.Lock()
	rs.count++
	svc := rs.services[service]
	known := make([]string, 0, len(rs.services))
	for name := range rs.services {
		known = append(known, name)
	}
	rs.mu.Unlock()
	if svc == nil {
		sort.Strings(known)
		stop("Call(%q): the server has no service %q (it has: %s)", svcMeth, service, strings.Join(known, ", "))
	}
	h, ok := svc.methods[method]
	if !ok {
		stop("Call(%q): service %s has no RPC method %q (it has: %s); an RPC method looks like func (rf *Raft) %s(args *XArgs, reply *XReply)", svcMeth, service, method, svc.methodNames(), method)
	}
	args := reflect.New(h.argsType)
	decode(svcMeth, "argument", request, args.Interface())
	reply := reflect.New(h.replyType)
	h.fn.Call([]reflect.Value{args.Elem(), reply})
	return encode(svcMeth, "reply", reply.Interface())
}
