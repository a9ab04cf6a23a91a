package eventloop

// Handler serves complete requests.
//
// ServeExchange is called on the event loop goroutine, once per request, in
// arrival order per connection. It must not block: a handler that runs
// application code hands ex to its own goroutines (the worker classes do) and
// returns. A handler that answers at once (a static response) may write and
// Finish inline, which costs no goroutine switch.
//
// Whatever goroutine completes ex must call WriteHead, then any number of
// Write/SendFile, then exactly one of Finish or Abort; after that ex must not
// be touched again.
type Handler interface {
	ServeExchange(ex *Exchange)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ex *Exchange)

// ServeExchange calls f(ex).
func (f HandlerFunc) ServeExchange(ex *Exchange) { f(ex) }
