# The RPC target of godot3-multiplayer-wire.md §5 (/root/Main/Target and /root/Main/Other): every
# keyword's method, one remote property, and `echo`, which calls what it got back on its sender so
# that every Variant crosses both ways. Each method that runs prints
#   EVENT rpc_ran {"node", "method", "args" (var2str of the argument list), "types" (typeof of each), "sender"}
# and the property's setter prints EVENT rset_ran the same way; a call Godot refuses prints nothing
# here (the engine's "RPC '...' is not allowed" goes to stderr).
extends Node

remote var value = 0 setget _set_value


func _set_value(v):
	value = v
	_ran_set("value", v)


remote func ping(x):
	_ran("ping", [x])


remote func hello(a, b, c, d, e, f):
	_ran("hello", [a, b, c, d, e, f])


remote func types(a, b, c, d, e, f, g, h, i, j):
	_ran("types", [a, b, c, d, e, f, g, h, i, j])


remote func noargs():
	_ran("noargs", [])


puppet func from_master(x):
	_ran("from_master", [x])


master func to_master(x):
	_ran("to_master", [x])


func secret():
	_ran("secret", [])


# An Object arrives as its instance id (Godot 3 decodes OBJECT | FLAG_OBJECT_AS_ID into an
# EncodedObjectAsID unless object decoding is allowed).
remote func take_object(o):
	var info = {"node": name, "type": typeof(o), "sender": get_tree().get_rpc_sender_id(), "class": "", "object_id": ""}
	if typeof(o) == TYPE_OBJECT and o != null:
		info["class"] = o.get_class()
		if o.get_class() == "EncodedObjectAsID":
			info["object_id"] = str(o.get_object_id())
	_event("object_ran", info)


# The values come back as they came, to the peer that sent them, as a call and as a set.
remote func echo(values):
	_ran("echo", [values])
	var sender = get_tree().get_rpc_sender_id()
	rpc_id(sender, "echoed", values)
	rset_id(sender, "echoed_value", values)


func _ran(method, args):
	var kinds = []
	for arg in args:
		kinds.append(typeof(arg))
	var nested = []
	if args.size() == 1 and typeof(args[0]) == TYPE_ARRAY:
		for item in args[0]:
			nested.append(typeof(item))
	_event("rpc_ran", {"node": name, "method": method, "args": var2str(args), "types": kinds, "item_types": nested, "sender": get_tree().get_rpc_sender_id()})


func _ran_set(property, v):
	var nested = []
	if typeof(v) == TYPE_ARRAY:
		for item in v:
			nested.append(typeof(item))
	_event("rset_ran", {"node": name, "property": property, "value": var2str(v), "type": typeof(v), "item_types": nested, "sender": get_tree().get_rpc_sender_id()})


func _event(kind, data):
	print("EVENT %s %s" % [kind, to_json(data)])
