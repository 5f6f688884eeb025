package dev.simsnap.importer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An instance of a Python class as a pickle holds it: the class ({@code module.qualname}) and the instance's
 * {@code __dict__} in its own key order. The attribute map is filled while the pickle is read (its BUILD opcode) and
 * must not be changed afterwards; {@link #attributes()} is a read-only view.
 */
public final class PythonObject {

    private final String module;
    private final String name;
    private final Map<String, Object> attributes = new LinkedHashMap<>();

    PythonObject(String module, String name) {
        this.module = module;
        this.name = name;
    }

    /** The class's module, e.g. {@code Person} for the seed's {@code Person.py}. */
    public String module() {
        return module;
    }

    /** The class's qualified name within its module, e.g. {@code Broker}. */
    public String name() {
        return name;
    }

    /** {@code module.qualname}, as {@code simsnap.arena} records an object's class. */
    public String className() {
        return module + "." + name;
    }

    /** The instance's attributes ({@code __dict__}) in their order. */
    public Map<String, Object> attributes() {
        return Collections.unmodifiableMap(attributes);
    }

    void setState(Map<?, ?> state) {
        for (Map.Entry<?, ?> e : state.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("an attribute of " + className() + " is named by a "
                        + (e.getKey() == null ? "None" : e.getKey().getClass().getSimpleName()) + ", not a str");
            }
            attributes.put(key, e.getValue());
        }
    }

    @Override
    public String toString() {
        return "<" + className() + " object>";
    }
}
