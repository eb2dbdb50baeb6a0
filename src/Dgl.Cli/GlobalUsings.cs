global using Dgl.Tensors;
