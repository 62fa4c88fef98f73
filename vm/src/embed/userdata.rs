//! Rust types exposed to Lua as userdata: methods, fields and metamethods.

use std::collections::HashMap;
use std::marker::PhantomData;

use crate::function::{new_host_native, HostFn};
use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::state::MetaName;
use crate::table::Table;
use crate::userdata::new_userdata;
use crate::value::Value;

use super::api::{host_error, static_name};
use super::{Error, FromLua, FromLuaMulti, Heap, IntoLua, IntoLuaMulti};

/// A Rust type Lua code can hold and call methods on.
///
/// Values are created with [`Runtime::create_userdata`](crate::Runtime::create_userdata) (or
/// returned from a Rust function as [`NewUserData`]). A method borrows the value mutably for
/// its duration; the value is dropped (its `Drop` runs: Rust's `__gc`) when the collector
/// frees it.
pub trait UserData: Send + 'static + Sized {
    /// The type's name in Lua (`__name`: shown by `tostring` and in argument errors).
    const TYPE_NAME: &'static str;

    /// Register methods, fields and metamethods.
    fn add_methods(_methods: &mut UserDataMethods<Self>) {}
}

/// A new userdata of `T`, as a value to return to Lua.
pub struct NewUserData<T: UserData>(pub T);

type Getter<T> = Box<dyn for<'gc> Fn(&T, &Heap<'gc>) -> Result<Value<'gc>, Error> + Send>;
type Setter<T> = Box<dyn for<'gc> Fn(&mut T, Value<'gc>, &Heap<'gc>) -> Result<(), Error> + Send>;

/// What [`UserData::add_methods`] registers.
pub struct UserDataMethods<T> {
    methods: Vec<(&'static str, HostFn)>,
    meta: Vec<(&'static str, HostFn)>,
    getters: HashMap<Vec<u8>, Getter<T>>,
    setters: HashMap<Vec<u8>, Setter<T>>,
    _t: PhantomData<fn(T)>,
}

/// Run `f` on the `T` in argument 0 (borrowed mutably).
fn with_self<'gc, T: UserData, R>(
    ctx: &mut Ctx<'gc, '_>,
    f: impl FnOnce(&mut T, &mut Ctx<'gc, '_>) -> Result<R, LuaError<'gc>>,
) -> Result<R, LuaError<'gc>> {
    let Value::UserData(u) = ctx.arg(0) else {
        return Err(ctx.type_error(0, T::TYPE_NAME));
    };
    let u: &'gc crate::userdata::UserDataData<'gc> = gc_arena::Gc::as_ref(u);
    let Ok(mut data) = u.data.try_borrow_mut() else {
        return Err(ctx.error(format!("{} is already in use", T::TYPE_NAME)));
    };
    let Some(this) = data.downcast_mut::<T>() else {
        return Err(ctx.type_error(0, T::TYPE_NAME));
    };
    f(this, ctx)
}

fn convert_args<'gc, A: FromLuaMulti>(
    ctx: &Ctx<'gc, '_>,
    first: usize,
) -> Result<A, LuaError<'gc>> {
    let args: Vec<Value<'gc>> = (first..ctx.nargs().max(first))
        .map(|i| ctx.arg(i))
        .collect();
    let heap = Heap::new(ctx.mc, ctx.state);
    A::from_lua_multi(&args, &heap).map_err(|(i, e)| {
        let got = if first + i >= ctx.nargs() {
            "no value".to_string()
        } else {
            e.got.clone()
        };
        ctx.arg_error(first + i, format!("{} expected, got {got}", e.expected))
    })
}

fn push_results<'gc, R: IntoLuaMulti>(
    ctx: &mut Ctx<'gc, '_>,
    r: R,
) -> Result<usize, LuaError<'gc>> {
    let heap = Heap::new(ctx.mc, ctx.state);
    let values = r.into_lua_multi(&heap).map_err(|e| host_error(ctx, e))?;
    let n = values.len();
    for v in values {
        ctx.push(v);
    }
    Ok(n)
}

impl<T: UserData> UserDataMethods<T> {
    fn new() -> Self {
        UserDataMethods {
            methods: Vec::new(),
            meta: Vec::new(),
            getters: HashMap::new(),
            setters: HashMap::new(),
            _t: PhantomData,
        }
    }

    fn wrap<A, R, F>(f: F) -> HostFn
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&mut T, A) -> Result<R, Error> + Send + 'static,
    {
        Box::new(move |ctx| {
            let args: A = convert_args(ctx, 1)?;
            let r = with_self::<T, R>(ctx, |this, ctx| {
                f(this, args).map_err(|e| host_error(ctx, e))
            })?;
            push_results(ctx, r)
        })
    }

    /// `obj:name(args...)`.
    pub fn method<A, R, F>(&mut self, name: &str, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&mut T, A) -> Result<R, Error> + Send + 'static,
    {
        self.methods.push((static_name(name), Self::wrap(f)));
    }

    /// A metamethod (`"__tostring"`, `"__add"`, `"__len"`, `"__eq"`, `"__call"`, `"__close"`,
    /// ...). The value of this type must be the first operand.
    pub fn meta_method<A, R, F>(&mut self, name: &str, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&mut T, A) -> Result<R, Error> + Send + 'static,
    {
        self.meta.push((static_name(name), Self::wrap(f)));
    }

    /// A field read as `obj.name`.
    pub fn field<R, F>(&mut self, name: &str, get: F)
    where
        R: IntoLua,
        F: Fn(&T) -> R + Send + 'static,
    {
        self.getters.insert(
            name.as_bytes().to_vec(),
            Box::new(move |this, heap| get(this).into_lua(heap)),
        );
    }

    /// A field written as `obj.name = v`.
    pub fn field_mut<V, F>(&mut self, name: &str, set: F)
    where
        V: FromLua,
        F: Fn(&mut T, V) -> Result<(), Error> + Send + 'static,
    {
        let field = name.to_string();
        self.setters.insert(
            name.as_bytes().to_vec(),
            Box::new(move |this, v, heap| {
                let v = V::from_lua(v, heap).map_err(|e| Error::Conversion {
                    what: format!("field '{field}'"),
                    expected: e.expected,
                    got: e.got,
                })?;
                set(this, v)
            }),
        );
    }
}

/// Registry key of `T`'s metatable.
fn metatable_key<T: UserData>() -> String {
    format!("wayfinder.userdata.{}", std::any::type_name::<T>())
}

/// `T`'s metatable, made on first use.
pub(crate) fn metatable<'gc, T: UserData>(heap: &Heap<'gc>) -> Table<'gc> {
    let key = heap.string(metatable_key::<T>().as_bytes());
    if let Value::Table(mt) = heap.state.registry.get(key) {
        return mt;
    }
    let mut reg = UserDataMethods::<T>::new();
    T::add_methods(&mut reg);
    let mc = heap.mc;
    let mt = Table::new(mc);
    let methods = Table::new(mc);
    for (name, f) in reg.methods {
        let func = new_host_native(mc, name, f, Vec::new());
        let _ = methods.set(
            mc,
            heap.string(name.as_bytes()),
            Value::NativeFunction(func),
        );
    }
    let set = |name: &str, v: Value<'gc>| {
        let _ = mt.set(mc, Value::String(heap.state.intern(mc, name.as_bytes())), v);
    };
    set(
        MetaName::Name.as_str(),
        heap.string(T::TYPE_NAME.as_bytes()),
    );
    // Scripts cannot read or change the type's metatable, which every instance (and every
    // script) shares.
    set(MetaName::Metatable.as_str(), Value::Boolean(false));
    for (name, f) in reg.meta {
        set(
            name,
            Value::NativeFunction(new_host_native(mc, name, f, Vec::new())),
        );
    }
    // The methods table is the `__index` native's upvalue (a GC value cannot live in the
    // closure).
    let getters_index = reg.getters;
    let index: HostFn = Box::new(move |ctx| {
        let key = ctx.arg(1);
        if let Value::String(s) = key {
            if let Some(get) = getters_index.get(s.as_bytes()) {
                let heap = Heap::new(ctx.mc, ctx.state);
                let v = with_self::<T, _>(ctx, |this, ctx| {
                    get(this, &heap).map_err(|e| host_error(ctx, e))
                })?;
                return ctx.ret1(v);
            }
        }
        let v = match ctx.upvalue(0) {
            Value::Table(methods) => methods.get(key),
            _ => Value::Nil,
        };
        ctx.ret1(v)
    });
    let index_fn = new_host_native(mc, "__index", index, vec![Value::Table(methods)]);
    set(MetaName::Index.as_str(), Value::NativeFunction(index_fn));
    let setters = reg.setters;
    let newindex: HostFn = Box::new(move |ctx| {
        let key = ctx.arg(1);
        let value = ctx.arg(2);
        let setter = match key {
            Value::String(s) => setters.get(s.as_bytes()),
            _ => None,
        };
        let Some(setter) = setter else {
            let name = ctx.type_name_of(key);
            let shown = match key {
                Value::String(s) => format!("'{}'", s.to_str_lossy()),
                _ => format!("of type {name}"),
            };
            return Err(ctx.error(format!("cannot set field {shown} of {}", T::TYPE_NAME)));
        };
        let heap = Heap::new(ctx.mc, ctx.state);
        with_self::<T, _>(ctx, |this, ctx| {
            setter(this, value, &heap).map_err(|e| host_error(ctx, e))
        })?;
        Ok(0)
    });
    set(
        MetaName::NewIndex.as_str(),
        Value::NativeFunction(new_host_native(mc, "__newindex", newindex, Vec::new())),
    );
    let _ = heap.state.registry.set(mc, key, Value::Table(mt));
    mt
}

/// A new full userdata holding `value`.
pub(crate) fn create<'gc, T: UserData>(heap: &Heap<'gc>, value: T) -> Value<'gc> {
    let mt = metatable::<T>(heap);
    let u = new_userdata(heap.mc, Box::new(value), Some(mt));
    // A `__gc` meta method makes the value finalizable like any Lua object.
    crate::weak::mark_userdata(heap.mc, heap.state, u, Some(mt));
    Value::UserData(u)
}

impl<T: UserData> IntoLua for NewUserData<T> {
    fn into_lua<'gc>(self, heap: &Heap<'gc>) -> Result<Value<'gc>, Error> {
        Ok(create(heap, self.0))
    }
}
