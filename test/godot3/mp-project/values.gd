# The values the steps send: the §5.3 and §5.5 arguments of godot3-multiplayer-wire.md, and one
# value of every Godot 3 Variant type but OBJECT (an Object crosses only as its instance id).
# test/godot3/support/mp-values.ts builds the same values in JS; main.gd prints var2str of these at
# start (EVENT values) so that the Node side compares what Godot decoded with Godot's own values.
extends Reference


static func hello_args():
	return ["text", 42, true, Vector2(1, 2), [1, "a"], {"k": 2}]


static func types_args():
	return [0.1, 1 << 40, -2, null, NodePath("a/b:c"), Color(1, 0, 0.5, 1), PoolByteArray([9, 8, 7]), Vector3(1, 2, 3), "héllo", PoolStringArray(["x", "yz"])]


# In TYPE_* order (NIL 0 ... POOL_COLOR_ARRAY 26), then ints and reals that need 64 bits.
static func every_value():
	return [
		null,
		true,
		-7,
		1.5,
		"héllo wörld",
		Vector2(1.5, -2),
		Rect2(1, 2, 3, 4),
		Vector3(1, 2, 3),
		Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6)),
		Plane(Vector3(0, 1, 0), 2.5),
		Quat(0.5, -0.5, 0.25, 1),
		AABB(Vector3(1, 2, 3), Vector3(4, 5, 6)),
		Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9)),
		Transform(Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9)), Vector3(10, 11, 12)),
		Color(1, 0, 0.5, 0.25),
		NodePath("/root/Main:value:x"),
		RID(),
		{"k": 2, 3: [4, "x"]},
		[1, "a", [2.5, null]],
		PoolByteArray([0, 1, 254, 255]),
		PoolIntArray([1, -2, 1 << 30]),
		PoolRealArray([0.5, -1.25]),
		PoolStringArray(["x", "", "yz"]),
		PoolVector2Array([Vector2(1, 2), Vector2(-3, 0.5)]),
		PoolVector3Array([Vector3(1, 2, 3)]),
		PoolColorArray([Color(0, 0.5, 1, 1)]),
		1 << 40,
		-(1 << 33),
		0.1,
		"",
		[],
		{},
	]
