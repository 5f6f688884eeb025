package dev.simsnap.importer;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;

/**
 * A Python class named by a pickle (GLOBAL / STACK_GLOBAL) that {@link PickleReader} does not map to a Java value:
 * calling it makes an empty {@link PythonObject} whose attributes the pickle's BUILD sets. Public only because the
 * pickle library calls {@link #reconstruct} reflectively (protocols 0 and 1 go through
 * {@code copyreg._reconstructor}).
 */
public final class PythonClass implements IObjectConstructor {

    private final String module;
    private final String name;

    PythonClass(String module, String name) {
        this.module = module;
        this.name = name;
    }

    /** {@code cls.__new__(cls)} (protocol 2+: NEWOBJ) or {@code cls(*args)} (REDUCE): no arguments allowed. */
    @Override
    public Object construct(Object[] args) {
        if (args != null && args.length > 0) {
            throw new PickleException("class " + module + "." + name + " is pickled with constructor arguments ("
                    + args.length + "); only plain objects (state in __dict__) are read");
        }
        return new PythonObject(module, name);
    }

    /** {@code copyreg._reconstructor(cls, object, None)}, the form protocols 0 and 1 use for plain objects. */
    public Object reconstruct(Object base, Object state) {
        if (state != null) {
            throw new PickleException("class " + module + "." + name + " derives from a builtin type with state; only"
                    + " plain objects (state in __dict__) are read");
        }
        return new PythonObject(module, name);
    }

    @Override
    public String toString() {
        return "<class '" + module + "." + name + "'>";
    }
}
