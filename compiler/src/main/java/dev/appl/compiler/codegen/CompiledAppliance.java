package dev.appl.compiler.codegen;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.kernel.Kernel;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;

/**
 * An appliance's generated class, loaded: makes fresh kernels ({@link #newKernel}). Each
 * compiled appliance gets a class loader of its own, so that its class goes when it does.
 */
public final class CompiledAppliance {
    private final IrAppliance ir;
    private final Codegen.Generated generated;
    private final MethodHandle constructor;

    private CompiledAppliance(IrAppliance ir, Codegen.Generated generated) {
        this.ir = ir;
        this.generated = generated;
        Class<?> type = new Loader(CompiledAppliance.class.getClassLoader()).define(generated.className(),
                generated.bytes());
        try {
            constructor = MethodHandles.publicLookup().findConstructor(type, MethodType.methodType(void.class,
                    Object[].class)).asType(MethodType.methodType(Kernel.class, Object[].class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the generated class " + generated.className() + " has no constructor", e);
        }
    }

    /**
     * Generates (with the tests' expressions) and loads the class of {@code ir}.
     *
     * @throws dev.appl.compiler.lower.Unsupported for a construct the backend cannot compile yet
     */
    public static CompiledAppliance compile(IrAppliance ir) {
        return new CompiledAppliance(ir, Codegen.generate(ir, true));
    }

    public static CompiledAppliance load(IrAppliance ir, Codegen.Generated generated) {
        return new CompiledAppliance(ir, generated);
    }

    public IrAppliance ir() {
        return ir;
    }

    public Codegen.Generated generated() {
        return generated;
    }

    /** A fresh appliance. @param params the value of every param by name; others keep their defaults */
    public CompiledKernel newKernel(Map<String, Object> params) {
        Object[] values = new Object[ir.params.size()];
        for (int i = 0; i < values.length; i++) {
            IrAppliance.Param p = ir.params.get(i);
            values[i] = params.getOrDefault(p.name(), p.value());
        }
        try {
            return new CompiledKernel(this, (Kernel) constructor.invokeExact(values));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Loader extends ClassLoader {
        Loader(ClassLoader parent) {
            super(parent);
        }

        Class<?> define(String name, byte[] bytes) {
            return defineClass(name, bytes, 0, bytes.length);
        }
    }
}
