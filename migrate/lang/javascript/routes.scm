; A route registration: app.get('/path', ...guards, handler), router.patch(`/path`, ...),
; fastify.post('/path', opts, handler). The method name is checked against ROUTE_METHODS.
(call_expression
  function: (member_expression
    object: (_) @object
    property: (property_identifier) @method)
  arguments: (arguments . [(string) (template_string)] @path)) @call
