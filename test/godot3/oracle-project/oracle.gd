# Godot 3.2's own encode_variant/decode_variant (var2bytes/bytes2var), as an oracle for our codec.
#
# Input (--in): binary, u32 count, then per value: u32 flags (1 = allow objects), u32 length, bytes.
# Output (--out), one line per value, fields separated by one space, all text fields as hex of UTF-8:
#   E <index> <typeof> <var2bytes hex> <var2str hex> <decoded>
#                        each input value through decode_variant → var2bytes; <decoded> is 0 when
#                        decode_variant failed (then the value is null and the engine says why on stderr)
#   G <index> <typeof> <var2bytes hex> <var2str hex>   --count random values of every type (--seed)
#   DONE <echoed> <generated>
# The Node side compares; this script judges nothing.
extends SceneTree

const NAME_CHARS = ["a", "b", "Z", "_", "é", "日", "😀", "9"]
const TEXT_CHARS = ["a", "é", "日", "😀", "Z", " ", "/", ":", "\"", "\\", "\n", "\t", "ß"]
# Objects must stay alive until their instance id is encoded.
var _keep = []
var _rng = RandomNumberGenerator.new()


func _arg(name: String, fallback: String) -> String:
	for arg in OS.get_cmdline_args():
		if arg.begins_with("--" + name + "="):
			return arg.substr(name.length() + 3, arg.length())
	return fallback


func _line(kind: String, index: int, value, full_objects: bool) -> String:
	var bytes = var2bytes(value, full_objects)
	return "%s %d %d %s %s" % [kind, index, typeof(value), bytes.hex_encode(), var2str(value).to_utf8().hex_encode()]


func _i(n: int) -> int:
	return _rng.randi() % n


func _text(chars: Array, most: int) -> String:
	var s = ""
	for _n in range(_i(most + 1)):
		s += chars[_i(chars.size())]
	return s


func _real() -> float:
	match _i(12):
		0: return float(_i(100)) / 4.0
		1: return _rng.randf() * 1000.0 - 500.0
		2: return float(_i(1000))
		3: return -1.0 / 3.0
		4: return 1e300 * (1 if _i(2) else -1)
		5: return 1e-300
		6: return INF if _i(2) else -INF
		7: return NAN
		8: return -0.0
		9: return 3.4028234663852886e38
		10: return 1.401298464324817e-45
	return 0.1 * float(_i(50))


# An f32 field (vectors, colors, pool reals): Godot stores these as float.
func _f() -> float:
	match _i(6):
		0: return float(_i(100)) / 4.0
		1: return _rng.randf() * 1000.0 - 500.0
		2: return -0.0
		3: return INF if _i(2) else -INF
	return 0.1 * float(_i(50))


func _int() -> int:
	match _i(8):
		0: return _i(2000) - 1000
		1: return (_rng.randi() << 20) * (1 if _i(2) else -1)
		2: return 2147483647
		3: return -2147483648
		4: return 2147483648
		5: return 9223372036854775807
		6: return -9223372036854775807 - 1
	return _rng.randi() - 2147483648


func _node_path() -> NodePath:
	if _i(8) == 0:
		return NodePath("/")
	var text = "/" if _i(2) else ""
	var names = []
	for _n in range(_i(4)):
		names.append(_text(NAME_CHARS, 6) + "n")
	text += PoolStringArray(names).join("/")
	for _n in range(_i(3)):
		text += ":" + _text(NAME_CHARS, 5) + "s"
	return NodePath(text)


func _v3() -> Vector3:
	return Vector3(_f(), _f(), _f())


# Any value but a pool array: Godot 3.2.3's var2str sorts a Dictionary's keys and crashes (SIGSEGV)
# when it compares an empty pool array with another one ({PoolIntArray(): 1, PoolIntArray([1]): 2}).
func _key(depth: int):
	for _try in range(20):
		var key = _value(depth)
		if typeof(key) < TYPE_RAW_ARRAY:
			return key
	return _int()


func _value(depth: int):
	var t = _i(27)
	if depth > 3 and (t == TYPE_DICTIONARY or t == TYPE_ARRAY):
		t = TYPE_INT
	match t:
		TYPE_NIL: return null
		TYPE_BOOL: return _i(2) == 0
		TYPE_INT: return _int()
		TYPE_REAL: return _real()
		TYPE_STRING:
			# Now and then one long enough to grow an encoder's buffer (several KiB).
			return _text(TEXT_CHARS, 9) if _i(20) else _text(TEXT_CHARS, 3000)
		TYPE_VECTOR2: return Vector2(_f(), _f())
		TYPE_RECT2: return Rect2(_f(), _f(), _f(), _f())
		TYPE_VECTOR3: return _v3()
		TYPE_TRANSFORM2D: return Transform2D(Vector2(_f(), _f()), Vector2(_f(), _f()), Vector2(_f(), _f()))
		TYPE_PLANE: return Plane(_f(), _f(), _f(), _f())
		TYPE_QUAT: return Quat(_f(), _f(), _f(), _f())
		TYPE_AABB: return AABB(_v3(), _v3())
		TYPE_BASIS: return Basis(_v3(), _v3(), _v3())
		TYPE_TRANSFORM: return Transform(Basis(_v3(), _v3(), _v3()), _v3())
		TYPE_COLOR: return Color(_f(), _f(), _f(), _f())
		TYPE_NODE_PATH: return _node_path()
		TYPE_RID: return RID()
		TYPE_OBJECT:
			# var2bytes sends an Object as its instance id (a null one, as NIL: see the test).
			var object = Reference.new() if _i(2) else Resource.new()
			_keep.append(object)
			return object
		TYPE_DICTIONARY:
			var d = {}
			for _n in range(_i(4)):
				d[_key(depth + 1)] = _value(depth + 1)
			return d
		TYPE_ARRAY:
			var a = []
			for _n in range(_i(5)):
				a.append(_value(depth + 1))
			return a
		TYPE_RAW_ARRAY:
			var b = PoolByteArray()
			for _n in range(_i(10) if _i(10) else 5000 + _i(4)):
				b.append(_i(256))
			return b
		TYPE_INT_ARRAY:
			var b = PoolIntArray()
			for _n in range(_i(5)):
				b.append(_rng.randi() - 2147483648)
			return b
		TYPE_REAL_ARRAY:
			var b = PoolRealArray()
			for _n in range(_i(5)):
				b.append(_f())
			return b
		TYPE_STRING_ARRAY:
			var b = PoolStringArray()
			for _n in range(_i(5)):
				b.append(_text(TEXT_CHARS, 6))
			return b
		TYPE_VECTOR2_ARRAY:
			var b = PoolVector2Array()
			for _n in range(_i(4)):
				b.append(Vector2(_f(), _f()))
			return b
		TYPE_VECTOR3_ARRAY:
			var b = PoolVector3Array()
			for _n in range(_i(4)):
				b.append(_v3())
			return b
	var b = PoolColorArray()
	for _n in range(_i(4)):
		b.append(Color(_f(), _f(), _f(), _f()))
	return b


func _init():
	var in_path = _arg("in", "")
	var out_path = _arg("out", "")
	var count = int(_arg("count", "0"))
	_rng.seed = int(_arg("seed", "1"))
	var input = File.new()
	var output = File.new()
	if in_path == "" or input.open(in_path, File.READ) != OK or output.open(out_path, File.WRITE) != OK:
		printerr("ORACLE cannot open --in=%s / --out=%s" % [in_path, out_path])
		quit(2)
		return
	var echoed = input.get_32()
	for i in range(echoed):
		var flags = input.get_32()
		var bytes = input.get_buffer(input.get_32())
		var objects = (flags & 1) != 0
		# StreamPeer.get_var is decode_variant on the bytes after a u32 length, as bytes2var is, but
		# a failure is an engine error and a null, not a script error that would stop this loop.
		var stream = StreamPeerBuffer.new()
		stream.put_u32(bytes.size())
		stream.put_data(bytes)
		stream.seek(0)
		var value = stream.get_var(objects)
		var failed = typeof(value) == TYPE_NIL and bytes.size() >= 4 and bytes[0] != TYPE_NIL
		output.store_line(_line("E", i, value, objects) + (" 0" if failed else " 1"))
	input.close()
	for i in range(count):
		output.store_line(_line("G", i, _value(0), false))
	output.store_line("DONE %d %d" % [echoed, count])
	output.close()
	print("ORACLE DONE %d %d" % [echoed, count])
	quit(0)
