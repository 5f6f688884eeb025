package dev.simsnap.importer;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * Reads one pickle file with {@code net.razorvine:pickle} (no Python needed) into plain Java values, keeping what the
 * JSON and Avro side needs exactly:
 *
 * <ul>
 *   <li>{@code dict} → {@link LinkedHashMap} in the dict's own order (the library's default, {@code HashMap}, would
 *       lose it, and the seed's {@code identity} renders as {@code persona.json} in that order);
 *   <li>an instance of a class outside the Python standard library → {@link PythonObject} (class name and
 *       {@code __dict__} in order); references between objects are kept as the same Java object;
 *   <li>{@code int} → {@link Integer}, {@link Long} or {@link BigInteger} (by size), {@code float} → {@link Double},
 *       {@code str} → {@link String}, {@code bytes} → {@code byte[]}, {@code bool} → {@link Boolean},
 *       {@code None} → null, {@code list} → {@link java.util.ArrayList}, {@code tuple} → {@code Object[]},
 *       {@code set} → {@link java.util.Set}: the library's own mapping.
 * </ul>
 *
 * Any pickle protocol (0 to 5) is read. An object's state is its {@code __dict__} and its {@code __slots__} values
 * (as attributes, dict first). Objects rebuilt otherwise ({@code __reduce__} with constructor arguments, their own
 * {@code __setstate__} state, subclasses of builtin types with state) are refused.
 */
public final class PickleReader {

    private static final Set<String> PYTHON_BUILTINS = Set.of("builtins", "__builtin__", "copyreg", "copy_reg",
            "exceptions", "_codecs");

    private PickleReader() {
    }

    /**
     * The object pickled in {@code file}.
     *
     * @throws SeedFormatException naming the file when it cannot be read or is not a pickle this reader accepts
     */
    public static Object read(Path file) {
        try (InputStream in = Files.newInputStream(file); OrderedUnpickler unpickler = new OrderedUnpickler()) {
            return unpickler.load(in);
        } catch (IOException e) {
            throw new SeedFormatException(file + ": cannot read: " + e.getMessage(), e);
        } catch (PickleException | IllegalArgumentException | ClassCastException | IllegalStateException e) {
            throw new SeedFormatException(file + ": not a readable pickle: " + message(e), e);
        }
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return m == null ? root.getClass().getSimpleName() : m;
    }

    /** The library's unpickler with ordered dicts and {@link PythonObject} instances. */
    private static final class OrderedUnpickler extends Unpickler implements AutoCloseable {

        /** {@code collections.OrderedDict()}: its items follow as SETITEMS. */
        private static final IObjectConstructor ORDERED_DICT = args -> {
            if (args.length > 0) {
                throw new PickleException("collections.OrderedDict pickled with arguments is not read");
            }
            return new LinkedHashMap<>();
        };

        @Override
        protected Object dispatch(short key) throws PickleException, IOException {
            switch (key) {
                case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
                case Opcodes.DICT -> {
                    List<Object> items = stack.pop_all_since_marker();
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        dict.put(items.get(i), items.get(i + 1));
                    }
                    stack.add(dict);
                }
                case Opcodes.SETITEMS -> {
                    List<Object> items = stack.pop_all_since_marker();
                    Map<Object, Object> dict = asMap(stack.peek());
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        dict.put(items.get(i), items.get(i + 1));
                    }
                }
                case Opcodes.SETITEM -> {
                    Object value = stack.pop();
                    Object k = stack.pop();
                    asMap(stack.peek()).put(k, value);
                }
                case Opcodes.GLOBAL -> {
                    String module = PickleUtils.readline(input);
                    String name = PickleUtils.readline(input);
                    pushClass(module, name);
                }
                case Opcodes.STACK_GLOBAL -> {
                    Object name = stack.pop();
                    Object module = stack.pop();
                    pushClass(String.valueOf(module), String.valueOf(name));
                }
                case Opcodes.BUILD -> {
                    Object state = stack.pop();
                    Object target = stack.peek();
                    if (target instanceof PythonObject object) {
                        build(object, state);
                    } else {
                        stack.add(state);
                        return super.dispatch(key);
                    }
                }
                case Opcodes.INST, Opcodes.OBJ -> throw new PickleException("old-style class instances (opcode "
                        + (char) key + ") are not read; pickle with protocol 2 or later");
                default -> {
                    return super.dispatch(key);
                }
            }
            return NO_RETURN_VALUE;
        }

        @SuppressWarnings("unchecked")
        private static Map<Object, Object> asMap(Object target) {
            if (target instanceof Map<?, ?> map) {
                return (Map<Object, Object>) map;
            }
            throw new PickleException("items set on a " + describe(target) + ", which is not a dict (subclasses of"
                    + " dict are not read)");
        }

        private void pushClass(String module, String name) {
            if ("collections".equals(module) && "OrderedDict".equals(name)) {
                stack.add(ORDERED_DICT);
            } else if (objectConstructors.containsKey(module + "." + name) || PYTHON_BUILTINS.contains(module)) {
                // the library's own mapping (copyreg._reconstructor, set, bytearray, datetime, exceptions, ...)
                stackGlobal(module, name);
            } else {
                stack.add(new PythonClass(module, name));
            }
        }

        private void stackGlobal(String module, String name) {
            // STACK_GLOBAL with both names pushed lets the library resolve them as it always does
            stack.add(module);
            stack.add(name);
            try {
                super.dispatch(Opcodes.STACK_GLOBAL);
            } catch (IOException e) {
                throw new PickleException(e.getMessage(), e);
            }
        }

        private static void build(PythonObject object, Object state) {
            if (state instanceof Map<?, ?> dict) {
                object.setState(dict);
            } else if (state instanceof Object[] pair && pair.length == 2
                    && (pair[0] == null || pair[0] instanceof Map) && pair[1] instanceof Map<?, ?> slots) {
                if (pair[0] != null) {
                    object.setState((Map<?, ?>) pair[0]);
                }
                object.setState(slots);
            } else if (state != null) {
                throw new PickleException(object.className() + " has a state that is not a __dict__ ("
                        + describe(state) + "): objects with __getstate__/__setstate__ of their own are not read");
            }
        }

        private static String describe(Object value) {
            return value == null ? "None" : value instanceof PythonObject o ? o.className()
                    : value.getClass().getSimpleName();
        }
    }
}
